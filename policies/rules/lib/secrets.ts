// Recognising secret-looking keys, references to Secrets, and literal values.
import { isUnknown, SECRET_PLACEHOLDER } from "./values";

export interface SecretKeyConfig {
  /** Keys (normalised: lower case, only a-z0-9) that name a Secret or a key in one, not a value. */
  referenceKeyPatterns: string[];
  /** Keys that look secret but hold settings about secrets (passwordPolicy, tokenTTL, secretMountPath). */
  ignoreKeyPatterns: string[];
}

export const DEFAULT_SECRET_KEY_CONFIG: SecretKeyConfig = {
  referenceKeyPatterns: ["^existing", "secretname$", "secret(key)?refs?$", "^passwordsecret$", "passwordkey$", "tokenkey$", "secretkeyname$", "secretkeyref"],
  ignoreKeyPatterns: [
    "(ttl|timeout|lifespan|expiry|expiration|expiresin|length|policy|policies|enabled|enable|file|path|dir|mountpath|url|uri|endpoint|type|mode|size|limit|count|header|prefix|suffix|ratio|seconds|minutes|hours|days)$",
    "^(max|min|num)",
  ],
};

/** Splits "existingSecretPasswordKey" / "HF_TOKEN" / "access-key" into lower-case words. */
export function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

function normalised(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** password / secret / token / access key, case-insensitive, as whole words (so not "tokenizer"). */
export function looksSecret(key: string, cfg: SecretKeyConfig): boolean {
  const w = words(key);
  const hit = w.some(
    (x, i) =>
      x.includes("password") ||
      x.includes("passwd") ||
      x.includes("secret") ||
      x === "token" ||
      x.endsWith("token") ||
      x.includes("accesskey") ||
      x.includes("apikey") ||
      (x === "access" && w[i + 1] === "key") ||
      (x === "api" && w[i + 1] === "key") ||
      (x === "private" && w[i + 1] === "key"),
  );
  if (!hit) return false;
  const n = normalised(key);
  return !cfg.ignoreKeyPatterns.some((p) => new RegExp(p).test(n));
}

/** True for keys whose value names a Secret (existingSecret, passwordSecret, secretName, secretKeyRef). */
export function isReferenceKey(key: string, cfg: SecretKeyConfig): boolean {
  const n = normalised(key);
  return cfg.referenceKeyPatterns.some((p) => new RegExp(p).test(n));
}

/** A value that is a real literal: a non-empty known string (numbers count too: "1234" passwords). */
export function isLiteral(v: unknown): boolean {
  if (typeof v === "number") return true;
  return typeof v === "string" && v.trim() !== "" && !isUnknown(v);
}

/** A literal that is not the plan's redaction of a Pulumi secret. */
export function isPlaintextLiteral(v: unknown): boolean {
  return isLiteral(v) && v !== SECRET_PLACEHOLDER;
}

/**
 * `key: value` / `key=value` lines inside a config file held in a string, whose key looks
 * secret and whose value is a literal (not `${VAR}` / `$(VAR)` substitution).
 */
export function secretLinesIn(text: string, cfg: SecretKeyConfig): string[] {
  const found: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*["']?([A-Za-z0-9_.-]+)["']?\s*[:=]\s*["']?([^"'\s#][^"'#]*?)["']?\s*$/.exec(line);
    if (!m) continue;
    const [, key, value] = m;
    const last = key.split(".").pop() ?? key;
    if (!looksSecret(last, cfg) || isReferenceKey(last, cfg)) continue;
    if (/^\$[{(]/.test(value) || value === SECRET_PLACEHOLDER) continue;
    found.push(key);
  }
  return found;
}

// The stack output the gate reads (`endpoints`), its validation, and how it is fetched from Pulumi.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { isRecord } from "../../lib/records";

/**
 * Shape of the Pulumi stack output `endpoints` (and of a --endpoints file). Secrets are never part
 * of it: LLM_API_KEY, ODS_API_TOKEN, MILVUS_TOKEN and KEYCLOAK_CLIENT_SECRET come from the environment.
 */
export interface Endpoints {
  llm?: { baseUrl: string; model: string; metricsUrl?: string };
  dataApi?: { baseUrl: string };
  agentApi?: { baseUrl: string };
  milvus?: { baseUrl: string };
  /** The S3 API (MinIO or S3); no script tests it yet, it is listed for clients and smoke checks. */
  objectStore?: { baseUrl: string; region?: string };
  keycloak?: { tokenUrl: string; clientId: string };
  /** The web front end; no script tests it yet, it is listed for clients and smoke checks. */
  web?: { baseUrl: string };
}

const FIELDS: { [K in keyof Endpoints]-?: { required: string[]; optional: string[]; urls: string[] } } = {
  llm: { required: ["baseUrl", "model"], optional: ["metricsUrl"], urls: ["baseUrl", "metricsUrl"] },
  dataApi: { required: ["baseUrl"], optional: [], urls: ["baseUrl"] },
  agentApi: { required: ["baseUrl"], optional: [], urls: ["baseUrl"] },
  milvus: { required: ["baseUrl"], optional: [], urls: ["baseUrl"] },
  objectStore: { required: ["baseUrl"], optional: ["region"], urls: ["baseUrl"] },
  keycloak: { required: ["tokenUrl", "clientId"], optional: [], urls: ["tokenUrl"] },
  web: { required: ["baseUrl"], optional: [], urls: ["baseUrl"] },
};


/**
 * Validates an endpoints object; accepts the bare object or `{ "endpoints": {...} }` as printed by
 * `pulumi stack output --json`. Unknown services are reported as warnings (a newer program may
 * export more than this gate knows), wrong types are errors naming the key.
 */
export function parseEndpoints(raw: unknown, source: string): { endpoints: Endpoints; warnings: string[] } {
  if (!isRecord(raw)) throw new Error(`${source}: expected a JSON object, got ${JSON.stringify(raw)}`);
  const obj = "endpoints" in raw ? raw.endpoints : raw;
  if (!isRecord(obj)) throw new Error(`${source}: "endpoints" must be an object, got ${JSON.stringify(obj)}`);
  const endpoints: Record<string, Record<string, string>> = {};
  const warnings: string[] = [];
  for (const [service, value] of Object.entries(obj)) {
    const spec = FIELDS[service as keyof Endpoints];
    if (!spec) {
      warnings.push(`${source}: ignoring unknown service "${service}" (known: ${Object.keys(FIELDS).join(", ")})`);
      continue;
    }
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) throw new Error(`${source}: endpoints.${service} must be an object, got ${JSON.stringify(value)}`);
    const out: Record<string, string> = {};
    for (const key of [...spec.required, ...spec.optional]) {
      const v = value[key];
      if (v === undefined && spec.optional.includes(key)) continue;
      if (typeof v !== "string" || v.trim() === "") {
        throw new Error(`${source}: endpoints.${service}.${key} must be a non-empty string, got ${JSON.stringify(v)}`);
      }
      if (spec.urls.includes(key) && !/^https?:\/\/[^\s/]+/.test(v)) {
        throw new Error(`${source}: endpoints.${service}.${key} must be an http(s) URL, got "${v}"`);
      }
      out[key] = spec.urls.includes(key) ? v.replace(/\/+$/, "") : v;
    }
    endpoints[service] = out;
  }
  return { endpoints: endpoints as Endpoints, warnings };
}

export function readEndpointsFile(path: string): { endpoints: Endpoints; warnings: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`--endpoints ${path}: cannot read JSON: ${(err as Error).message}`);
  }
  return parseEndpoints(raw, path);
}

/** Runs `pulumi stack output --json --stack <stack>`; secrets stay hidden (no --show-secrets). */
export function readStackEndpoints(stack: string): { endpoints: Endpoints; warnings: string[] } {
  let out: string;
  try {
    out = execFileSync("pulumi", ["stack", "output", "--json", "--stack", stack], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    throw new Error(`pulumi stack output --json --stack ${stack} failed (is the Pulumi CLI installed and logged in?): ${(err as Error).message}`);
  }
  return parseEndpoints(JSON.parse(out), `stack ${stack}`);
}

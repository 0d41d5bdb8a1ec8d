// The only module that reads Pulumi stack config: read once, validate, hand typed config to index.ts.
import * as pulumi from "@pulumi/pulumi";
import { REPO_ROOT } from "../lib/repo";
import { ConfigPath, parseRawConfig } from "./load";
import { OdsConfig } from "./schema";
import { readStackConfig, sameConfigApartFromSecrets, StackConfig } from "./stackFile";

export * from "./schema";
export { ConfigError, parseRawConfig, validateConfig } from "./load";

// The SDK knows which keys are secret (it keeps them for getSecret) but does not type the helper.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/**
 * Validates the config Pulumi handed the program (`raw`, with the keys it marks secret). Pulumi only says
 * which top-level keys are secret; the exact paths of the `secure:` values come from the stack file, used
 * only when, read with its secure values left out, it gives exactly this config (config from
 * `--config-file` elsewhere, or from an environment, does not match: then only the keys are known).
 */
export function validatePulumiConfig(raw: Record<string, string>, secretKeys: readonly string[], file: StackConfig | undefined): OdsConfig {
  const exact: readonly ConfigPath[] | undefined = file && sameConfigApartFromSecrets(file, raw, secretKeys) ? file.securePaths : undefined;
  return parseRawConfig(raw, secretKeys, exact);
}

/**
 * Reads every `ods:*` key of the current stack and validates it; throws ConfigError before anything is
 * declared. Keys Pulumi marks secret (set with --secret, or holding a nested secure value) are never
 * shown in an error, and a secret anywhere but a key that may hold one (SECRET_SLOTS) is refused.
 */
export function loadConfig(): OdsConfig {
  const raw = pulumi.runtime.allConfig();
  const secretKeys = Object.keys(raw).filter((k) => isConfigSecret(k));
  let file: StackConfig | undefined;
  try {
    // Pulumi runs the program from the project folder, so the stack's own file is the repository's.
    file = readStackConfig(REPO_ROOT, pulumi.getStack());
  } catch {
    file = undefined;
  }
  return validatePulumiConfig(raw, secretKeys, file);
}

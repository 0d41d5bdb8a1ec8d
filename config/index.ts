// The only module that reads Pulumi stack config: read once, validate, hand typed config to index.ts.
import * as pulumi from "@pulumi/pulumi";
import { parseRawConfig } from "./load";
import { OdsConfig } from "./schema";

export * from "./schema";
export { ConfigError, parseRawConfig, validateConfig } from "./load";

// The SDK knows which keys are secret (it keeps them for getSecret) but does not type the helper.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isConfigSecret } = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };

/**
 * Reads every `ods:*` key of the current stack and validates it; throws ConfigError before anything is
 * declared. Keys Pulumi marks secret (set with --secret, or holding a nested secure value) are never
 * shown in an error.
 */
export function loadConfig(): OdsConfig {
  const raw = pulumi.runtime.allConfig();
  return parseRawConfig(raw, Object.keys(raw).filter((k) => isConfigSecret(k)));
}

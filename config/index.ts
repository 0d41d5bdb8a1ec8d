// The only module that reads Pulumi stack config: read once, validate, hand typed config to index.ts.
import * as pulumi from "@pulumi/pulumi";
import { parseRawConfig } from "./load";
import { OdsConfig } from "./schema";

export * from "./schema";
export { ConfigError, parseRawConfig, validateConfig } from "./load";

/** Reads every `ods:*` key of the current stack and validates it; throws ConfigError before anything is declared. */
export function loadConfig(): OdsConfig {
  return parseRawConfig(pulumi.runtime.allConfig());
}

// The smallest valid `ods:data` section, for tests that build a config by hand around another section.
export const MINIMAL_DATA = { access: { mode: "nodePort" }, objectStore: { kind: "minio" }, dataApi: { image: "ghcr.io/one-data-studio/data-api:1.0.0" } };

/** The smallest valid `ods:model` section: one simulated model, which runs on any cluster. */
export const MINIMAL_MODEL = { engine: "simulator", slo: { percentile: 99, ttftMs: 2000, tpotMs: 100, goodput: 0.9 }, models: [{ name: "tiny", modelId: "Qwen/Qwen2.5-0.5B-Instruct", revision: "v1", maxModelLen: 4096 }] };

/** The smallest valid `ods:apps` section: the two images (everything else has a default). */
export const MINIMAL_APPS = { agentApi: { image: "ghcr.io/one-data-studio/agent-api:1.0.0" }, web: { image: "ghcr.io/one-data-studio/web:1.0.0" } };
/** The smallest `ods:identity` section valid on any cluster: on AWS the Keycloak admin endpoint needs the CIDRs that run `pulumi up`. */
export const MINIMAL_IDENTITY = { access: { allowedCidrs: ["10.0.0.0/16"] } };
/** The smallest `ods:edge` section valid for any domain: a self-signed CA (public domains need the issuer named). */
export const MINIMAL_EDGE = { issuer: { kind: "selfSigned" } };

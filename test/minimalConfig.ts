// The smallest valid `ods:data` section, for tests that build a config by hand around another section.
export const MINIMAL_DATA = { access: { mode: "nodePort" }, objectStore: { kind: "minio" }, dataApi: { image: "ghcr.io/one-data-studio/data-api:1.0.0" } };

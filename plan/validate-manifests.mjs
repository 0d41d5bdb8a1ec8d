// Validates Kubernetes objects (JSON array of {file, object} on stdin) against upstream OpenAPI schemas.
// Prints a JSON array of {file, apiVersion, kind, error}; an object with no known schema is an error too.

/** API groups of CRDs the kit uses -> the @kubernetes-models package with their schemas. */
const CRD_PACKAGES = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
  "cert-manager.io": "@kubernetes-models/cert-manager",
};

async function modelFor(apiVersion, kind) {
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  const pkg = CRD_PACKAGES[group] ?? "kubernetes-models";
  const mod = await import(`${pkg}/${apiVersion}`);
  const Model = mod[kind];
  if (typeof Model !== "function") throw new Error(`no schema for ${apiVersion} ${kind} in ${pkg}`);
  return Model;
}

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const items = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const errors = [];
  for (const { file, object } of items) {
    const { apiVersion, kind } = object;
    try {
      const Model = await modelFor(apiVersion, kind);
      new Model(object).validate();
    } catch (e) {
      const message = e && e.code === "ERR_MODULE_NOT_FOUND" ? `no schema package for ${apiVersion} (${e.message.split("\n")[0]})` : String(e && e.message ? e.message : e);
      errors.push({ file, apiVersion, kind, error: message });
    }
  }
  process.stdout.write(JSON.stringify(errors));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e));
  process.exit(2);
});

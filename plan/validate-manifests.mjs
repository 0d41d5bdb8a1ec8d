// Validates Kubernetes objects (JSON array of {file, object} on stdin) against upstream OpenAPI schemas:
// kubernetes-models for built-in kinds, @kubernetes-models/* packages for the CRD groups listed below.
// Prints a JSON array of {file, apiVersion, kind, name, error}; an object with no known schema is an
// error too. Custom resources whose CRD is in the plan are validated before this (plan/crdSchema.ts).

/** API groups of CRDs the kit uses -> the @kubernetes-models package with their schemas. */
const CRD_PACKAGES = {
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
  "cert-manager.io": "@kubernetes-models/cert-manager",
};

class NoSchema extends Error {}

async function modelFor(apiVersion, kind) {
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  const pkg = CRD_PACKAGES[group] ?? "kubernetes-models";
  let mod;
  try {
    mod = await import(`${pkg}/${apiVersion}`);
  } catch (e) {
    if (e && (e.code === "ERR_MODULE_NOT_FOUND" || e.code === "ERR_PACKAGE_PATH_NOT_EXPORTED")) {
      const where = CRD_PACKAGES[group] ? `${pkg} is not installed or has no ${apiVersion}` : `kubernetes-models has no ${apiVersion} and no @kubernetes-models package is configured for group "${group}"`;
      throw new NoSchema(`no schema for ${apiVersion} ${kind}: no CustomResourceDefinition in the plan defines it, and ${where}`);
    }
    throw e;
  }
  const Model = mod[kind];
  if (typeof Model !== "function") throw new NoSchema(`no schema for ${apiVersion} ${kind}: no CustomResourceDefinition in the plan defines it, and ${pkg} has no kind ${kind} in ${apiVersion}`);
  return Model;
}

async function main() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const items = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  const errors = [];
  for (const { file, object } of items) {
    const { apiVersion, kind } = object;
    const name = (object.metadata && object.metadata.name) || "";
    try {
      const Model = await modelFor(apiVersion, kind);
      new Model(object).validate();
    } catch (e) {
      const message = String(e && e.message ? e.message : e);
      errors.push({ file, apiVersion, kind, name, error: e instanceof NoSchema ? `${message} (object "${name}")` : message });
    }
  }
  process.stdout.write(JSON.stringify(errors));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e));
  process.exit(2);
});

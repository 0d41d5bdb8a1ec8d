// Pods must stay out of the node's namespaces and filesystem.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Exemptible, exemptNamespacesSchema, schemaWithDefaults } from "./lib/config";
import { validateWorkloads } from "./lib/rule";
import { at, records, str } from "./lib/values";

const defaults: Exemptible = { exemptNamespaces: [] };

export const noHostAccess: ResourceValidationPolicy = {
  name: "k8s-no-host-access",
  description: "Pods must not use hostPath volumes, hostNetwork, hostPID or hostIPC: each one lets a compromised container reach the node.",
  enforcementLevel: "mandatory",
  remediationSteps: "Use emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret instead of hostPath, and the pod network instead of hostNetwork. Node agents that need the host belong in an exempted namespace (with a reason in the policy config).",
  configSchema: schemaWithDefaults(defaults, { exemptNamespaces: exemptNamespacesSchema }),
  validateResource: validateWorkloads(defaults, ({ workload }, report) => {
    for (const flag of ["hostNetwork", "hostPID", "hostIPC"]) {
      if (workload.podSpec[flag] === true) report(`spec.${flag} is true.`);
    }
    for (const v of records(workload.podSpec["volumes"])) {
      if (v["hostPath"] !== undefined && v["hostPath"] !== null) {
        const path = str(at(v, "hostPath", "path")) ?? "?";
        report(`volume ${str(v["name"]) ?? "?"} mounts hostPath ${path}.`);
      }
    }
  }),
};

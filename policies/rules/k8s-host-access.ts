// Pods must stay out of the node's namespaces and filesystem.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Exemptible, exemptionsSchema, schemaWithDefaults } from "./lib/config";
import { validateWorkloads } from "./lib/rule";
import { at, records, str } from "./lib/values";

const defaults: Exemptible = { exemptions: [] };

export const noHostAccess: ResourceValidationPolicy = {
  name: "k8s-no-host-access",
  description: "Pods must not use hostPath volumes, hostNetwork, hostPID or hostIPC: each one lets a compromised container reach the node.",
  enforcementLevel: "mandatory",
  remediationSteps: "Use emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret instead of hostPath, and the pod network instead of hostNetwork. A node agent that needs the host (the GPU operator's feature discovery) gets an exemption in the policy config naming the workload, with a reason.",
  configSchema: schemaWithDefaults(defaults, { exemptions: exemptionsSchema }),
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

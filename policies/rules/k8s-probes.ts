// Long-running containers tell Kubernetes when they are alive and when they can take traffic.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Exemption, exemptionsSchema, schemaWithDefaults } from "./lib/config";
import { containersOf } from "./lib/k8s";
import { validateWorkloads } from "./lib/rule";
import { isUnknown } from "./lib/values";

const defaults = { exemptions: [] as Exemption[] };

export const probes: ResourceValidationPolicy = {
  name: "k8s-probes",
  description: "Containers of long-running workloads (Deployments, StatefulSets, DaemonSets, always-restarting Pods) must have liveness and readiness probes; Jobs and CronJobs are exempt.",
  enforcementLevel: "mandatory",
  remediationSteps: "Add livenessProbe and readinessProbe (httpGet on the health endpoint, or tcpSocket/exec); slow starters also want a startupProbe.",
  configSchema: schemaWithDefaults(defaults, { exemptions: exemptionsSchema }),
  validateResource: validateWorkloads(defaults, ({ workload }, report) => {
    if (!workload.longRunning) return;
    // Init containers run to completion before the pod starts; probes do not apply to them.
    for (const c of containersOf(workload.podSpec).filter((x) => !x.init)) {
      const missing = ["livenessProbe", "readinessProbe"].filter((p) => {
        const v = c.spec[p];
        return !isUnknown(v) && (v === undefined || v === null);
      });
      if (missing.length > 0) report(`${c.label} has no ${missing.join(" and ")}.`);
    }
  }),
};

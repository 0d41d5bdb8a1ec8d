// Every container declares what it needs, so the scheduler can place it and OOM stays contained.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Exemptible, exemptionsSchema, schemaWithDefaults } from "./lib/config";
import { containersOf } from "./lib/k8s";
import { validateWorkloads } from "./lib/rule";
import { at, isUnknown } from "./lib/values";

const defaults: Exemptible = { exemptions: [] };

/** The three settings every container must have, under `resources`. */
const REQUIRED: readonly [string, string][] = [
  ["requests", "cpu"],
  ["requests", "memory"],
  ["limits", "memory"],
];

export const containerResources: ResourceValidationPolicy = {
  name: "k8s-container-resources",
  description: "Every container and init container must set CPU and memory requests and a memory limit.",
  enforcementLevel: "mandatory",
  remediationSteps: "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on every container, init containers included (component args carry a `resources` block for this).",
  configSchema: schemaWithDefaults(defaults, { exemptions: exemptionsSchema }),
  validateResource: validateWorkloads(defaults, ({ workload }, report) => {
    for (const c of containersOf(workload.podSpec)) {
      const resources = at(c.spec, "resources");
      if (isUnknown(resources)) continue;
      const missing: string[] = [];
      for (const [section, key] of REQUIRED) {
        const v = at(resources, section, key);
        if (isUnknown(v)) continue;
        if (v === undefined || v === null || v === "") missing.push(`resources.${section}.${key}`);
      }
      if (missing.length > 0) report(`${c.label} does not set ${missing.join(", ")}.`);
    }
  }),
};

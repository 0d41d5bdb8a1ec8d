// Container hardening: no privileged mode, no privilege escalation, non-root, capabilities dropped.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Exemptible, Exemption, exemptionsSchema, schemaWithDefaults } from "./lib/config";
import { containersOf } from "./lib/k8s";
import { validateWorkloads } from "./lib/rule";
import { at, isUnknown, num, strings } from "./lib/values";

const exemptOnly: Exemptible = { exemptions: [] };
const exemptOnlySchema = schemaWithDefaults(exemptOnly, { exemptions: exemptionsSchema });

export const noPrivilegedContainers: ResourceValidationPolicy = {
  name: "k8s-no-privileged-containers",
  description: "Containers must not run privileged: a privileged container has full access to the node.",
  enforcementLevel: "mandatory",
  remediationSteps: "Remove securityContext.privileged (or set it to false). A node agent that truly needs it gets an exemption in the policy config naming its kind, namespace and name, with a reason.",
  configSchema: exemptOnlySchema,
  validateResource: validateWorkloads(exemptOnly, ({ workload }, report) => {
    for (const c of containersOf(workload.podSpec)) {
      if (at(c.spec, "securityContext", "privileged") === true) report(`${c.label} sets securityContext.privileged: true.`);
    }
  }),
};

export const noPrivilegeEscalation: ResourceValidationPolicy = {
  name: "k8s-no-privilege-escalation",
  description: "Containers must set allowPrivilegeEscalation: false; Kubernetes allows escalation (setuid binaries) when it is unset.",
  enforcementLevel: "mandatory",
  remediationSteps: "Set securityContext.allowPrivilegeEscalation: false on every container and init container (the kit's security-context helper does this).",
  configSchema: exemptOnlySchema,
  validateResource: validateWorkloads(exemptOnly, ({ workload }, report) => {
    for (const c of containersOf(workload.podSpec)) {
      const v = at(c.spec, "securityContext", "allowPrivilegeEscalation");
      if (isUnknown(v)) continue;
      if (v !== false) report(`${c.label} does not set securityContext.allowPrivilegeEscalation: false.`);
    }
  }),
};

export const runAsNonRoot: ResourceValidationPolicy = {
  name: "k8s-run-as-non-root",
  description: "Pods must run as a non-root user: runAsNonRoot: true on the pod or on every container, and never runAsUser: 0.",
  enforcementLevel: "mandatory",
  remediationSteps: "Set spec.securityContext.runAsNonRoot: true (and a non-zero runAsUser if the image has no numeric USER).",
  configSchema: exemptOnlySchema,
  validateResource: validateWorkloads(exemptOnly, ({ workload }, report) => {
    const podNonRoot = at(workload.podSpec, "securityContext", "runAsNonRoot");
    const podUser = at(workload.podSpec, "securityContext", "runAsUser");
    if (num(podUser) === 0) report("spec.securityContext.runAsUser is 0 (root).");
    for (const c of containersOf(workload.podSpec)) {
      const nonRoot = at(c.spec, "securityContext", "runAsNonRoot");
      const user = at(c.spec, "securityContext", "runAsUser");
      if (num(user) === 0) {
        report(`${c.label} sets securityContext.runAsUser: 0 (root).`);
        continue;
      }
      // The container's own setting wins over the pod's.
      const effective = nonRoot === undefined ? podNonRoot : nonRoot;
      if (isUnknown(effective)) continue;
      if (effective !== true) report(`${c.label} may run as root: runAsNonRoot is not true on the container or the pod.`);
    }
  }),
};

const capsDefaults = { exemptions: [] as Exemption[], allowedAddedCapabilities: ["NET_BIND_SERVICE"] };

export const dropAllCapabilities: ResourceValidationPolicy = {
  name: "k8s-drop-all-capabilities",
  description: "Containers must drop ALL Linux capabilities and add back only allowed ones (NET_BIND_SERVICE by default).",
  enforcementLevel: "mandatory",
  remediationSteps: "Set securityContext.capabilities.drop: [\"ALL\"] on every container; add back only what the process needs and the config allows.",
  configSchema: schemaWithDefaults(capsDefaults, {
    exemptions: exemptionsSchema,
    allowedAddedCapabilities: { type: "array", items: { type: "string" }, description: "Capabilities a container may add back." },
  }),
  validateResource: validateWorkloads(capsDefaults, ({ workload, cfg }, report) => {
    const allowed = new Set(cfg.allowedAddedCapabilities.map((c) => c.toUpperCase()));
    for (const c of containersOf(workload.podSpec)) {
      const drop = strings(at(c.spec, "securityContext", "capabilities", "drop"));
      const dropsAll = drop.values.some((d) => d.toUpperCase() === "ALL");
      if (!dropsAll && !drop.unknown) report(`${c.label} does not drop ALL capabilities.`);
      const add = strings(at(c.spec, "securityContext", "capabilities", "add"));
      const extra = add.values.filter((a) => !allowed.has(a.toUpperCase().replace(/^CAP_/, "")));
      if (extra.length > 0) report(`${c.label} adds capabilities ${extra.join(", ")}, which are not in allowedAddedCapabilities.`);
    }
  }),
};

const SECCOMP_OK = new Set(["RuntimeDefault", "Localhost"]);
const seccompDefaults = { exemptions: [] as Exemption[], privilegedNamespaces: [] as string[] };

export const seccompProfile: ResourceValidationPolicy = {
  name: "k8s-seccomp-profile",
  description:
    "Containers must run under a seccomp profile (RuntimeDefault or Localhost, on the container or the pod), as Pod Security \"restricted\" requires: the API server of a restricted namespace rejects pods without one. Namespaces the kit runs at level privileged are skipped.",
  enforcementLevel: "mandatory",
  remediationSteps: "Set spec.securityContext.seccompProfile: {type: RuntimeDefault} on the pod (or on every container); where a chart offers no value, patch its workload (a kubernetes <Kind>Patch, which the plan applies).",
  configSchema: schemaWithDefaults(seccompDefaults, {
    exemptions: exemptionsSchema,
    privilegedNamespaces: { type: "array", items: { type: "string" }, description: "Namespaces whose Pod Security level is privileged (the GPU operator's)." },
  }),
  validateResource: validateWorkloads(seccompDefaults, ({ workload, cfg }, report) => {
    if (workload.namespace !== undefined && cfg.privilegedNamespaces.includes(workload.namespace)) return;
    const pod = at(workload.podSpec, "securityContext", "seccompProfile", "type");
    for (const c of containersOf(workload.podSpec)) {
      const own = at(c.spec, "securityContext", "seccompProfile", "type");
      const effective = own === undefined ? pod : own;
      if (isUnknown(effective)) continue;
      if (typeof effective !== "string" || !SECCOMP_OK.has(effective)) report(`${c.label} runs without a seccomp profile (RuntimeDefault or Localhost on the container or the pod); Pod Security "restricted" rejects it.`);
    }
  }),
};

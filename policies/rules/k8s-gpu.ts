// GPU pods must land on GPU nodes: tolerate their taint and select them explicitly.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Exemption, exemptionsSchema, schemaWithDefaults } from "./lib/config";
import { containersOf } from "./lib/k8s";
import { validateWorkloads } from "./lib/rule";
import { at, isRecord, isUnknown, num, records, str } from "./lib/values";

const defaults = {
  exemptions: [] as Exemption[],
  gpuResource: "nvidia.com/gpu",
  taint: { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" },
  /** Node label keys that identify GPU nodes (any one, in nodeSelector or required node affinity). */
  gpuNodeLabels: [
    "ods.io/gpu-pool",
    "ods.io/gpu-type",
    "ods.io/accelerator",
    "nvidia.com/gpu.present",
    "nvidia.com/gpu.product",
    "node.kubernetes.io/instance-type",
    "eks.amazonaws.com/nodegroup",
    "karpenter.k8s.aws/instance-gpu-count",
  ],
};

/** Whether a toleration admits the taint: same key, Exists or the same value, and the effect (empty = all). */
function tolerates(tol: Record<string, unknown>, taint: typeof defaults.taint): boolean {
  const op = str(tol["operator"]) ?? "Equal";
  const key = str(tol["key"]);
  // An empty key with Exists tolerates every taint.
  if (op === "Exists" && (key === undefined || key === "")) return true;
  if (key !== taint.key) return false;
  if (op === "Equal" && str(tol["value"]) !== taint.value) return false;
  const effect = str(tol["effect"]);
  return effect === undefined || effect === "" || effect === taint.effect;
}

function requestsGpu(resources: unknown, gpuResource: string): boolean | undefined {
  let unknown = false;
  for (const section of ["limits", "requests"]) {
    const q = at(resources, section, gpuResource);
    if (isUnknown(q)) unknown = true;
    else if ((num(q) ?? 0) > 0) return true;
  }
  return unknown ? undefined : false;
}

export const gpuScheduling: ResourceValidationPolicy = {
  name: "k8s-gpu-scheduling",
  description: "Containers that request nvidia.com/gpu must tolerate the GPU node taint (nvidia.com/gpu=true:NoSchedule) and select GPU nodes by nodeSelector or required node affinity.",
  enforcementLevel: "mandatory",
  remediationSteps: "Add the toleration {key: nvidia.com/gpu, operator: Equal, value: \"true\", effect: NoSchedule} and a nodeSelector (or required nodeAffinity) on a GPU node label such as ods.io/accelerator: nvidia (the kit's GPU pools) or nvidia.com/gpu.present: \"true\".",
  configSchema: schemaWithDefaults(defaults, {
    exemptions: exemptionsSchema,
    gpuResource: { type: "string" },
    taint: {
      type: "object",
      properties: { key: { type: "string" }, value: { type: "string" }, effect: { type: "string" } },
      required: ["key", "value", "effect"],
    },
    gpuNodeLabels: { type: "array", items: { type: "string" } },
  }),
  validateResource: validateWorkloads(defaults, ({ workload, cfg }, report) => {
    const gpuContainers = containersOf(workload.podSpec).filter((c) => requestsGpu(c.spec["resources"], cfg.gpuResource) === true);
    if (gpuContainers.length === 0) return;
    const who = `${gpuContainers.map((c) => c.label).join(", ")} ${gpuContainers.length === 1 ? "requests" : "request"}`;
    const spec = workload.podSpec;
    const taint = cfg.taint;

    const tolerations = spec["tolerations"];
    if (!isUnknown(tolerations) && !records(tolerations).some((t) => tolerates(t, taint))) {
      report(`${who} ${cfg.gpuResource} but the pod does not tolerate ${taint.key}=${taint.value}:${taint.effect}.`);
    }

    const selector = spec["nodeSelector"];
    const terms = at(spec, "affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms");
    if (isUnknown(selector) || isUnknown(terms)) return;
    const labels = new Set(cfg.gpuNodeLabels);
    const bySelector = isRecord(selector) && Object.keys(selector).some((k) => labels.has(k));
    const termList = records(terms);
    // Terms are ORed: every one of them has to pin the pod to GPU nodes.
    const byAffinity =
      termList.length > 0 && termList.every((t) => records(t["matchExpressions"]).some((e) => labels.has(str(e["key"]) ?? "")));
    if (!bySelector && !byAffinity) {
      report(`${who} ${cfg.gpuResource} but the pod selects no GPU nodes (nodeSelector or required nodeAffinity on one of: ${cfg.gpuNodeLabels.join(", ")}).`);
    }
  }),
};

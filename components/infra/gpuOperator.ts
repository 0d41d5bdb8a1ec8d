// The NVIDIA GPU operator: device plugin, DCGM exporter, feature discovery; driver/toolkit only where the node lacks them.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "../lib/naming";
import { GPU_POOL_LABEL, GPU_TAINT } from "./gpuNodePool";
import { namespacePeer, tcpPorts } from "../lib/network";

export const GPU_OPERATOR_CHART = {
  chart: "gpu-operator",
  version: "v26.7.0",
  repo: "https://helm.ngc.nvidia.com/nvidia",
} as const;

/** Port of the DCGM exporter's metrics endpoint. */
export const DCGM_EXPORTER_PORT = 9400;

export interface GpuOperatorArgs {
  namespace: pulumi.Input<string>;
  /** Install the NVIDIA driver (false where the AMI ships it, as EKS AL2023 NVIDIA AMIs do). */
  driver: boolean;
  /** Install the NVIDIA container toolkit (false where the AMI ships it). */
  toolkit: boolean;
  /** Advertise each GPU as this many `nvidia.com/gpu` (time-slicing); 1 = off. */
  timeSlicingReplicas: number;
  /** Create the DCGM exporter's ServiceMonitor (needs the Prometheus operator CRDs). */
  serviceMonitor: boolean;
  /** Namespace of Prometheus, allowed to scrape the DCGM exporter through the default-deny policy. */
  monitoringNamespace: pulumi.Input<string>;
  /** Chart version. Default GPU_OPERATOR_CHART.version. */
  chartVersion?: string;
}

export const TIME_SLICING_CONFIG_NAME = "time-slicing-config";

/** The label the DCGM series carry with the node's GPU pool (the GPU dashboard's pool filter). */
export const GPU_POOL_METRIC_LABEL = "gpu_pool";

/**
 * The `__meta_kubernetes_node_label_<name>` label Prometheus' Kubernetes discovery gives a node label:
 * every character that is not a letter, digit or underscore becomes `_` (ods.io/gpu-pool -> ods_io_gpu_pool).
 */
export function nodeLabelMetaLabel(nodeLabel: string): string {
  return `__meta_kubernetes_node_label_${nodeLabel.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

/**
 * Relabelings of the DCGM exporter's ServiceMonitor: the node's GPU pool label becomes `gpu_pool` on
 * every series. Node labels reach an `endpoints` target only when Prometheus attaches node metadata
 * (attachMetadata.node), which the operator's ServiceMonitor cannot set: the Prometheus side provides
 * it with a default scrape class (docs/observability.md ("GPU pool label")). A node without the label, or no node metadata,
 * leaves `gpu_pool` unset (regex `(.+)` does not match an empty value), never an empty or wrong pool.
 */
export function dcgmRelabelings(): Record<string, unknown>[] {
  return [{ action: "replace", sourceLabels: [nodeLabelMetaLabel(GPU_POOL_LABEL)], regex: "(.+)", targetLabel: GPU_POOL_METRIC_LABEL, replacement: "$1" }];
}

/** Helm values for the chart (pure, so tests can check them without a cluster). */
export function gpuOperatorValues(args: Omit<GpuOperatorArgs, "namespace" | "monitoringNamespace">): Record<string, unknown> {
  const replicas = args.timeSlicingReplicas;
  const gpuToleration = { key: GPU_TAINT.key, operator: "Equal", value: GPU_TAINT.value, effect: GPU_TAINT.effect };
  const values: Record<string, unknown> = {
    driver: { enabled: args.driver },
    toolkit: { enabled: args.toolkit },
    daemonsets: { tolerations: [gpuToleration] },
    dcgmExporter: { enabled: true, serviceMonitor: { enabled: args.serviceMonitor, interval: "15s", relabelings: dcgmRelabelings() } },
    "node-feature-discovery": {
      worker: {
        tolerations: [
          { key: "node-role.kubernetes.io/control-plane", operator: "Equal", value: "", effect: "NoSchedule" },
          gpuToleration,
        ],
      },
    },
  };
  if (replicas > 1) {
    values.devicePlugin = {
      config: {
        create: true,
        name: TIME_SLICING_CONFIG_NAME,
        default: "any",
        data: {
          any: [
            "version: v1",
            "flags:",
            "  migStrategy: none",
            "sharing:",
            "  timeSlicing:",
            "    resources:",
            "      - name: nvidia.com/gpu",
            `        replicas: ${replicas}`,
            "",
          ].join("\n"),
        },
      },
    };
  }
  return values;
}

export class GpuOperator extends pulumi.ComponentResource {
  readonly chart: k8s.helm.v4.Chart;

  constructor(name: string, args: GpuOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:infra:GpuOperator", name, {}, opts);
    const version = args.chartVersion ?? GPU_OPERATOR_CHART.version;
    this.chart = new k8s.helm.v4.Chart(`${name}-chart`, {
      chart: GPU_OPERATOR_CHART.chart,
      version,
      namespace: args.namespace,
      repositoryOpts: { repo: GPU_OPERATOR_CHART.repo },
      values: gpuOperatorValues(args),
    }, { parent: this });

    // The namespace denies ingress by default; let Prometheus scrape the DCGM exporter.
    new k8s.networking.v1.NetworkPolicy(`${name}-dcgm-scrape`, {
      metadata: { name: "allow-dcgm-scrape", namespace: args.namespace, labels: standardLabels("gpu-operator", name, "dcgm-exporter") },
      spec: {
        podSelector: { matchLabels: { app: "nvidia-dcgm-exporter" } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [namespacePeer(args.monitoringNamespace)],
            ports: tcpPorts(DCGM_EXPORTER_PORT),
          },
        ],
      },
    }, { parent: this });

    this.registerOutputs({ chart: GPU_OPERATOR_CHART.chart, version });
  }
}

// The Prometheus Pushgateway: where the performance gate, which runs outside the cluster after a deploy,
// leaves its last verdict (`npm run gate -- --pushgateway URL`) for Prometheus to scrape and the gate
// dashboard to show. One replica, no volume: a lost verdict is rewritten by the next gate run.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ContainerResources } from "../data/contracts";
import { standardLabels } from "../lib/naming";
import { namespacePeer, tcpPorts } from "../lib/network";

/** Pinned image (prometheus/pushgateway). */
export const PUSHGATEWAY_IMAGE = "quay.io/prometheus/pushgateway:v1.11.4";
/** Service name and port the gate pushes to (through `kubectl port-forward svc/pushgateway 9091`). */
export const PUSHGATEWAY = { service: "pushgateway", port: 9091 } as const;
/** The image's user (nobody). */
const UID = 65534;

export interface PushgatewayArgs {
  namespace: pulumi.Input<string>;
  /** Pinned image. Default PUSHGATEWAY_IMAGE. */
  image?: string;
  /** Default 10m/32Mi, limit 128Mi. */
  resources?: ContainerResources;
}

const DEFAULT_RESOURCES: ContainerResources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { memory: "128Mi" } };

/** The Deployment's pod template (pure): restricted, read-only root, probes on the ready/healthy endpoints. */
export function pushgatewayPod(args: PushgatewayArgs, labels: Record<string, string>) {
  const probe = (path: string) => ({ httpGet: { path, port: "http" }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 });
  return {
    metadata: { labels },
    spec: {
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: UID, runAsGroup: UID, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "pushgateway",
          image: args.image ?? PUSHGATEWAY_IMAGE,
          // Pushes with PUT replace the group; deleting a group over HTTP stays off (no admin API).
          args: [`--web.listen-address=:${PUSHGATEWAY.port}`],
          ports: [{ name: "http", containerPort: PUSHGATEWAY.port, protocol: "TCP" }],
          resources: args.resources ?? DEFAULT_RESOURCES,
          readinessProbe: probe("/-/ready"),
          livenessProbe: probe("/-/healthy"),
          securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
        },
      ],
    },
  };
}

export class Pushgateway extends pulumi.ComponentResource {
  /** In-cluster URL (`http://pushgateway.<ns>.svc.cluster.local:9091`). */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: PushgatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:observability:Pushgateway", name, {}, opts);
    const selector = { "app.kubernetes.io/name": "pushgateway", "app.kubernetes.io/instance": name };
    const labels = { ...standardLabels("pushgateway", name, "gate-verdict"), ...selector };
    const meta = { name: PUSHGATEWAY.service, namespace: args.namespace, labels };

    new k8s.apps.v1.Deployment(`${name}-deployment`, {
      metadata: meta,
      spec: { replicas: 1, selector: { matchLabels: selector }, template: pushgatewayPod(args, labels) },
    }, { parent: this });
    new k8s.core.v1.Service(`${name}-service`, {
      metadata: meta,
      spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: PUSHGATEWAY.port, targetPort: "http", protocol: "TCP" }] },
    }, { parent: this });
    // honorLabels keeps the pushed `job` and `stack` labels instead of renaming them exported_*.
    new k8s.apiextensions.CustomResource(`${name}-monitor`, {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: meta,
      spec: { selector: { matchLabels: selector }, endpoints: [{ port: "http", interval: "30s", honorLabels: true }] },
    }, { parent: this });
    // Prometheus (this namespace) scrapes it; the gate arrives through a port-forward (not pod traffic).
    new k8s.networking.v1.NetworkPolicy(`${name}-allow`, {
      metadata: meta,
      spec: { podSelector: { matchLabels: selector }, policyTypes: ["Ingress"], ingress: [{ from: [namespacePeer(args.namespace)], ports: tcpPorts(PUSHGATEWAY.port) }] },
    }, { parent: this });

    this.url = pulumi.interpolate`http://${PUSHGATEWAY.service}.${args.namespace}.svc.cluster.local:${PUSHGATEWAY.port}`;
    this.registerOutputs({ url: this.url });
  }
}

// Compliant baseline objects; each test breaks exactly one thing.
import { UNKNOWN } from "../rules/lib/values";

export { UNKNOWN };

export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const STATEFULSET = "kubernetes:apps/v1:StatefulSet";
export const DAEMONSET = "kubernetes:apps/v1:DaemonSet";
export const POD = "kubernetes:core/v1:Pod";
export const JOB = "kubernetes:batch/v1:Job";
export const CRONJOB = "kubernetes:batch/v1:CronJob";

type O = Record<string, unknown>;

export function container(overrides: O = {}): O {
  return {
    name: "app",
    image: "quay.io/keycloak/keycloak:26.5.2",
    securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
    livenessProbe: { httpGet: { path: "/health/live", port: 8080 } },
    readinessProbe: { httpGet: { path: "/health/ready", port: 8080 } },
    ...overrides,
  };
}

export function podSpec(overrides: O = {}): O {
  return {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
    containers: [container()],
    ...overrides,
  };
}

export function deployment(spec: O = {}, opts: { namespace?: unknown; replicas?: unknown; labels?: O; extraSpec?: O } = {}): O {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: opts.namespace ?? "ods-apps" },
    spec: {
      replicas: opts.replicas ?? 1,
      selector: { matchLabels: opts.labels ?? { app: "web" } },
      template: { metadata: { labels: opts.labels ?? { app: "web" } }, spec: podSpec(spec) },
      ...opts.extraSpec,
    },
  };
}

export function cronJob(spec: O = {}): O {
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "backup", namespace: "ods-data" },
    spec: { schedule: "0 3 * * *", jobTemplate: { spec: { template: { spec: podSpec({ restartPolicy: "OnFailure", ...spec }) } } } },
  };
}

export function pod(spec: O = {}, namespace = "ods-apps"): O {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace }, spec: podSpec(spec) };
}

// The platform's own HTTP services on one shape: Deployment, Service, service account, HPA, PDB where
// replicated, startup/readiness/liveness probes, resources, the restricted security context, Secret
// references only, a ServiceMonitor, and a NetworkPolicy admitting the callers it names.
import * as pulumi from "@pulumi/pulumi";
import { ContainerResources } from "../data/contracts";

/** An environment variable read from a key of a Secret (never a literal secret). */
export interface SecretEnv {
  name: string;
  secretName: pulumi.Input<string>;
  key: string;
}

/** Pods allowed to call the service: a namespace, optionally narrowed to pods with these labels. */
export interface CallerPeer {
  namespace: pulumi.Input<string>;
  podLabels?: Record<string, string>;
}

export interface AppServiceArgs {
  namespace: pulumi.Input<string>;
  /** `app.kubernetes.io/name` and the Kubernetes name of every object (a DNS label), e.g. data-api. */
  app: string;
  /** `app.kubernetes.io/component`, e.g. api, web. */
  component: string;
  /** Image pinned by tag or digest. */
  image: string;
  /** Container port serving HTTP (and /metrics). */
  port: number;
  /** Path of the health endpoint used by all three probes. */
  healthPath: string;
  /** Path of the Prometheus metrics. Default "/metrics". */
  metricsPath?: string;
  /** HPA range; min > 1 adds a PDB and pod spreading. */
  replicas: { min: number; max: number };
  /** Target average CPU utilisation of the HPA, percent. Default 70. */
  cpuTargetPercent?: number;
  resources: ContainerResources;
  /** Plain settings (never secrets: the policy check and the secret scan reject secret-looking names). */
  env?: Record<string, pulumi.Input<string>>;
  /** Settings read from Secrets, key by key. */
  secretEnv?: SecretEnv[];
  /** Secrets whose every key becomes an environment variable. */
  envFromSecrets?: pulumi.Input<string>[];
  /** Annotations of the service account (e.g. eks.amazonaws.com/role-arn for IRSA). */
  serviceAccountAnnotations?: Record<string, pulumi.Input<string>>;
  /** Service account name. Default: `app`. */
  serviceAccountName?: string;
  /** Who may call the service (besides Prometheus on the metrics port). */
  callers: CallerPeer[];
  /** Namespace of Prometheus (the ServiceMonitor's scraper, allowed through the default deny). */
  monitoringNamespace: pulumi.Input<string>;
  /** Resources that must exist before the pods start (databases, buckets, Secrets). */
  dependsOn?: pulumi.Resource[];
}

export class AppService extends pulumi.ComponentResource {
  /** http://<app>.<namespace>.svc.cluster.local:<port> */
  readonly url: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:apps:AppService", name, {}, opts);
    // STUB: replaced by the implementation.
    this.serviceName = pulumi.output(args.app);
    this.url = pulumi.interpolate`http://${args.app}.${args.namespace}.svc.cluster.local:${args.port}`;
    this.registerOutputs({ url: this.url });
  }
}

// Where the gateway's certificate comes from: a self-signed CA for private domains (a self-signed root
// issues a CA certificate, and a CA ClusterIssuer signs with it), or Let's Encrypt through ACME with the
// HTTP-01 challenge answered by the Gateway or the DNS-01 challenge answered in Route53 (an IAM role that
// cert-manager assumes with a token of a dedicated service account, scoped to one hosted zone).
import * as iam from "@pulumi/aws/iam";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { irsaTrustPolicy } from "../infra/iam";
import { k8sName, standardLabels } from "../lib/naming";

export type IssuerKind = "selfSigned" | "acme-http01" | "acme-dns01";

export interface IssuerArgs {
  kind: IssuerKind;
  /** cert-manager's namespace (its cluster resource namespace): the CA's Secret, the ACME account key, the DNS-01 service account. */
  certManagerNamespace: pulumi.Input<string>;
  /** acme-*: the account's contact and the ACME directory URL. */
  acme?: { email: string; server: string };
  /**
   * acme-http01: the Gateway listener that serves the challenge (the HTTP listener), and the labels of
   * the Gateway's pods, which must reach cert-manager's solver pods through the namespace's default deny.
   */
  http01?: { gateway: string; namespace: pulumi.Input<string>; sectionName: string; gatewayPods?: Record<string, string> };
  /** acme-dns01: the hosted zone and the cluster's OIDC provider (IRSA); AWS resources use opts.providers.aws. */
  dns01?: { hostedZoneId: string; region: string; oidcProviderArn: pulumi.Input<string>; oidcIssuerUrl: pulumi.Input<string> };
  /** Name of the CA for selfSigned, shown to users who trust it. Default "ONE-DATA-STUDIO". */
  caCommonName?: string;
}

/** Bad argument combinations, each named with what is allowed (pure). */
export function issuerProblems(args: Pick<IssuerArgs, "kind" | "acme" | "http01" | "dns01">): string[] {
  const p: string[] = [];
  if (args.kind !== "selfSigned" && !args.acme?.email) p.push(`kind ${args.kind} needs acme.email (the ACME account's contact)`);
  if (args.kind !== "selfSigned" && args.acme && !/^https:\/\//.test(args.acme.server)) p.push(`acme.server ${JSON.stringify(args.acme.server)} is not an https ACME directory URL`);
  if (args.kind === "acme-http01" && !args.http01) p.push("kind acme-http01 needs http01 (the Gateway and its HTTP listener that answer the challenge)");
  if (args.kind === "acme-dns01" && !args.dns01) p.push("kind acme-dns01 needs dns01 (the Route53 hosted zone and the cluster's OIDC provider)");
  if (args.kind !== "acme-dns01" && args.dns01) p.push(`dns01 is only used by kind acme-dns01 (kind is ${args.kind})`);
  return p;
}

/** Route53 permissions for DNS-01 (pure): changes in one hosted zone, change status, and the zone lookup. */
export function route53Policy(hostedZoneId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["route53:GetChange"], Resource: "arn:aws:route53:::change/*" },
      { Effect: "Allow", Action: ["route53:ListResourceRecordSets"], Resource: `arn:aws:route53:::hostedzone/${hostedZoneId}` },
      // Only the challenge's TXT records: the role cannot repoint the platform's hosts.
      {
        Effect: "Allow",
        Action: ["route53:ChangeResourceRecordSets"],
        Resource: `arn:aws:route53:::hostedzone/${hostedZoneId}`,
        Condition: { "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] }, "ForAllValues:StringLike": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": ["_acme-challenge.*"] } },
      },
      { Effect: "Allow", Action: ["route53:ListHostedZonesByName"], Resource: "*" },
    ],
  });
}

/** Label and port of the pods cert-manager runs to answer an HTTP-01 challenge. */
export const HTTP01_SOLVER = { label: "acme.cert-manager.io/http01-solver", port: 8089 } as const;

/** The ACME solver of a ClusterIssuer (pure). */
export function acmeSolver(args: Pick<IssuerArgs, "kind" | "http01">, dns01?: { hostedZoneId: string; region: string; roleArn: pulumi.Input<string>; serviceAccount: string }) {
  if (args.kind === "acme-http01" && args.http01) {
    // cert-manager creates a temporary HTTPRoute on the Gateway's HTTP listener for each challenge.
    // A ClusterIP Service per challenge (the default would open a node port on every node).
    return { http01: { gatewayHTTPRoute: { serviceType: "ClusterIP", parentRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: args.http01.gateway, namespace: args.http01.namespace, sectionName: args.http01.sectionName }] } } };
  }
  if (args.kind === "acme-dns01" && dns01) {
    return { dns01: { route53: { region: dns01.region, hostedZoneID: dns01.hostedZoneId, role: dns01.roleArn, auth: { kubernetes: { serviceAccountRef: { name: dns01.serviceAccount } } } } } };
  }
  throw new Error(`acmeSolver: kind ${args.kind} has no ACME solver, or its settings are missing`);
}

export class CertIssuer extends pulumi.ComponentResource {
  /** The ClusterIssuer certificates name in their issuerRef. */
  readonly issuerRef: { name: string; kind: "ClusterIssuer"; group: "cert-manager.io" };
  /** selfSigned: the Secret (in cert-manager's namespace) holding the CA certificate users trust. */
  readonly caSecret?: string;
  /** acme-dns01: the IAM role cert-manager assumes. */
  readonly dns01RoleArn?: pulumi.Output<string>;

  constructor(name: string, args: IssuerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:edge:CertIssuer", name, {}, opts);
    const problems = issuerProblems(args);
    if (problems.length > 0) throw new Error(`CertIssuer "${name}": ${problems.join("; ")}`);
    const labels = (component: string) => standardLabels("cert-issuer", k8sName(name), component);
    const issuerName = k8sName(name);
    this.issuerRef = { name: issuerName, kind: "ClusterIssuer", group: "cert-manager.io" };

    if (args.kind === "selfSigned") {
      const root = new k8s.apiextensions.CustomResource(`${name}-root`, {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name: k8sName(name, "root"), labels: labels("root") },
        spec: { selfSigned: {} },
      }, { parent: this });
      this.caSecret = k8sName(name, "ca");
      // Ten years: it is what users import into their trust stores, so it should not change under them.
      const ca = new k8s.apiextensions.CustomResource(`${name}-ca`, {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: k8sName(name, "ca"), namespace: args.certManagerNamespace, labels: labels("ca") },
        spec: {
          isCA: true,
          commonName: args.caCommonName ?? "ONE-DATA-STUDIO",
          secretName: this.caSecret,
          duration: "87600h",
          privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Never" },
          issuerRef: { name: k8sName(name, "root"), kind: "ClusterIssuer", group: "cert-manager.io" },
        },
      }, { parent: this, dependsOn: [root], retainOnDelete: true });
      new k8s.apiextensions.CustomResource(`${name}-issuer`, {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name: issuerName, labels: labels("issuer") },
        spec: { ca: { secretName: this.caSecret } },
      }, { parent: this, dependsOn: [ca] });
    } else {
      const acme = args.acme!;
      let dns01: Parameters<typeof acmeSolver>[1];
      if (args.kind === "acme-dns01") {
        const d = args.dns01!;
        const serviceAccount = k8sName(name, "route53");
        const role = new iam.Role(`${name}-route53`, {
          assumeRolePolicy: pulumi.all([d.oidcProviderArn, d.oidcIssuerUrl, args.certManagerNamespace]).apply(([arn, url, ns]) => irsaTrustPolicy(arn, url, ns, serviceAccount)),
          description: `cert-manager DNS-01 challenges in Route53 zone ${d.hostedZoneId}`,
        }, { parent: this });
        new iam.RolePolicy(`${name}-route53`, { role: role.id, policy: route53Policy(d.hostedZoneId) }, { parent: this });
        new k8s.core.v1.ServiceAccount(`${name}-sa`, {
          metadata: { name: serviceAccount, namespace: args.certManagerNamespace, labels: labels("route53") },
          automountServiceAccountToken: false,
        }, { parent: this });
        // cert-manager requests a token for this one service account (nothing else) and presents it to STS.
        const tokenRole = new k8s.rbac.v1.Role(`${name}-token`, {
          metadata: { name: k8sName(name, "route53-token"), namespace: args.certManagerNamespace, labels: labels("route53") },
          rules: [{ apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: [serviceAccount], verbs: ["create"] }],
        }, { parent: this });
        // Bound to the namespace's service accounts: cert-manager's own is named by its Helm release, which the kit does not fix.
        new k8s.rbac.v1.RoleBinding(`${name}-token`, {
          metadata: { name: k8sName(name, "route53-token"), namespace: args.certManagerNamespace, labels: labels("route53") },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: tokenRole.metadata.name },
          subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: pulumi.interpolate`system:serviceaccounts:${args.certManagerNamespace}` }],
        }, { parent: this });
        this.dns01RoleArn = role.arn;
        dns01 = { hostedZoneId: d.hostedZoneId, region: d.region, roleArn: role.arn, serviceAccount };
      }
      if (args.kind === "acme-http01" && args.http01) {
        // cert-manager's solver pods answer the challenge in the Gateway's namespace, which denies ingress
        // by default: only the Gateway's pods may reach them, on the solver's port.
        new k8s.networking.v1.NetworkPolicy(`${name}-http01-solver`, {
          metadata: { name: "allow-acme-http01-solver", namespace: args.http01.namespace, labels: labels("http01-solver") },
          spec: {
            podSelector: { matchLabels: { [HTTP01_SOLVER.label]: "true" } },
            policyTypes: ["Ingress"],
            ingress: [{ ...(args.http01.gatewayPods ? { from: [{ podSelector: { matchLabels: { ...args.http01.gatewayPods } } }] } : {}), ports: [{ protocol: "TCP", port: HTTP01_SOLVER.port }] }],
          },
        }, { parent: this });
      }
      new k8s.apiextensions.CustomResource(`${name}-issuer`, {
        apiVersion: "cert-manager.io/v1",
        kind: "ClusterIssuer",
        metadata: { name: issuerName, labels: labels("issuer") },
        spec: {
          acme: {
            email: acme.email,
            server: acme.server,
            privateKeySecretRef: { name: k8sName(name, "account") },
            solvers: [acmeSolver(args, dns01)],
          },
        },
      }, { parent: this });
    }
    this.registerOutputs({ issuer: issuerName, kind: args.kind, ...(this.caSecret ? { caSecret: this.caSecret } : {}), ...(this.dns01RoleArn ? { dns01RoleArn: this.dns01RoleArn } : {}) });
  }
}

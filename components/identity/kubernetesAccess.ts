// Kubernetes access through the realm's identities: RBAC bindings from realm groups (as the API server
// sees them, `<groupsPrefix><group>`) to Kubernetes' built-in roles, scoped by layer namespace, and on
// AWS the realm registered as the EKS cluster's OIDC identity provider (kubectl logs in through the
// `kubernetes` client).
import * as eks from "@pulumi/aws/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Layer } from "../lib/cluster";
import { k8sName, standardLabels } from "../lib/naming";
import { GROUPS_CLAIM, RealmRole, REALM_ROLES } from "./contracts";

/** One grant: a built-in ClusterRole, cluster-wide or in the namespaces of the listed layers. */
export interface AccessGrant {
  clusterRole: "cluster-admin" | "admin" | "edit" | "view";
  /** "cluster" = a ClusterRoleBinding; otherwise one RoleBinding per layer namespace. */
  scope: "cluster" | Layer[];
}

/** The layers whose namespaces hold the platform's own workloads (what viewers may read). */
export const PLATFORM_LAYERS: Layer[] = ["data", "model", "apps", "identity", "observability", "edge"];

/** Who gets what: the whole table. No group gets more than its row. */
export const ACCESS_TABLE: Record<RealmRole, AccessGrant[]> = {
  admin: [{ clusterRole: "cluster-admin", scope: "cluster" }],
  "data-engineer": [{ clusterRole: "edit", scope: ["data"] }],
  "ml-engineer": [{ clusterRole: "edit", scope: ["model"] }],
  "app-developer": [{ clusterRole: "edit", scope: ["apps"] }],
  viewer: [{ clusterRole: "view", scope: PLATFORM_LAYERS }],
};

/** A binding as declared: kind, where, which role, which group subject. */
export interface BindingSpec {
  kind: "ClusterRoleBinding" | "RoleBinding";
  /** RoleBinding only. */
  layer?: Layer;
  clusterRole: AccessGrant["clusterRole"];
  role: RealmRole;
  /** The RBAC group subject: `<groupsPrefix><role>`. */
  subject: string;
  name: string;
}

/** Every binding the table asks for (pure). */
export function accessBindings(table: Record<RealmRole, AccessGrant[]>, groupsPrefix: string): BindingSpec[] {
  const out: BindingSpec[] = [];
  for (const role of REALM_ROLES) {
    for (const g of table[role]) {
      const subject = `${groupsPrefix}${role}`;
      if (g.scope === "cluster") out.push({ kind: "ClusterRoleBinding", clusterRole: g.clusterRole, role, subject, name: k8sName("oidc", role, g.clusterRole) });
      else for (const layer of g.scope) out.push({ kind: "RoleBinding", layer, clusterRole: g.clusterRole, role, subject, name: k8sName("oidc", role, g.clusterRole) });
    }
  }
  return out;
}

/** A binding as recorded (from a plan): what a group actually got. */
export interface ObservedBinding {
  kind: string;
  namespace?: string;
  clusterRole: string;
  subjects: string[];
}

/**
 * Grants in `observed` that no row of the table allows for their group (pure): a binding to a role the
 * row does not list, a cluster-wide binding for a namespaced row, or a namespace outside the row's layers.
 */
export function excessGrants(observed: ObservedBinding[], table: Record<RealmRole, AccessGrant[]>, groupsPrefix: string, namespaceOf: (layer: Layer) => string): string[] {
  const out: string[] = [];
  for (const b of observed) {
    for (const subject of b.subjects) {
      if (!subject.startsWith(groupsPrefix)) continue;
      const role = subject.slice(groupsPrefix.length) as RealmRole;
      const row = table[role];
      if (!row) {
        out.push(`${subject} is not a platform group but is bound to ${b.clusterRole}`);
        continue;
      }
      const ok = row.some((g) => g.clusterRole === b.clusterRole && (g.scope === "cluster" ? b.kind === "ClusterRoleBinding" : b.kind === "RoleBinding" && g.scope.some((l) => namespaceOf(l) === b.namespace)));
      if (!ok) out.push(`${subject} gets ${b.clusterRole} ${b.kind === "ClusterRoleBinding" ? "cluster-wide" : `in ${b.namespace}`}, beyond its row`);
    }
  }
  return out;
}

export interface KubernetesAccessArgs {
  /** Layer -> namespace name. */
  namespaces: Record<Layer, pulumi.Input<string>>;
  /** The realm's issuer URL (https://auth.<domain>/realms/<realm>). */
  issuerUrl: string;
  /** The OIDC client kubectl logs in with (its id is the tokens' audience). */
  clientId: string;
  usernameClaim: string;
  usernamePrefix: string;
  groupsPrefix: string;
  /** AWS only: register the issuer as the EKS cluster's OIDC identity provider (the provider comes through opts.providers.aws). */
  eks?: { clusterName: pulumi.Input<string> };
  /** The grants; default ACCESS_TABLE. */
  table?: Record<RealmRole, AccessGrant[]>;
}

export class KubernetesAccess extends pulumi.ComponentResource {
  /** The EKS identity provider config's name (AWS only). */
  readonly identityProviderConfig?: pulumi.Output<string>;

  constructor(name: string, args: KubernetesAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:identity:KubernetesAccess", name, {}, opts);
    const bindings = accessBindings(args.table ?? ACCESS_TABLE, args.groupsPrefix);
    for (const b of bindings) {
      const labels = standardLabels("kubernetes-access", b.name, "rbac");
      const spec = {
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: b.clusterRole },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: b.subject }],
      };
      if (b.kind === "ClusterRoleBinding") new k8s.rbac.v1.ClusterRoleBinding(`${name}-${b.role}-${b.clusterRole}`, { metadata: { name: b.name, labels }, ...spec }, { parent: this });
      else new k8s.rbac.v1.RoleBinding(`${name}-${b.role}-${b.clusterRole}-${b.layer}`, { metadata: { name: b.name, namespace: args.namespaces[b.layer!], labels }, ...spec }, { parent: this });
    }

    if (args.eks) {
      // EKS fetches the issuer's discovery document itself: the realm must be reachable over the public host with a trusted certificate.
      const idp = new eks.IdentityProviderConfig(`${name}-oidc`, {
        clusterName: args.eks.clusterName,
        oidc: {
          identityProviderConfigName: "keycloak",
          issuerUrl: args.issuerUrl,
          clientId: args.clientId,
          usernameClaim: args.usernameClaim,
          usernamePrefix: args.usernamePrefix,
          groupsClaim: GROUPS_CLAIM,
          groupsPrefix: args.groupsPrefix,
        },
      }, { parent: this });
      this.identityProviderConfig = idp.oidc.identityProviderConfigName;
    }
    this.registerOutputs({ bindings: bindings.length, identityProviderConfig: this.identityProviderConfig });
  }
}

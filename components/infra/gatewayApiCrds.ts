// The Gateway API's standard CRDs (Gateway, HTTPRoute, ...), applied from the upstream release manifest
// pinned by URL. Installed with L1 (Istio does not install them): cert-manager's Gateway API support
// (ACME HTTP-01 through the gateway) crashes its controller when they are missing at its start, and
// istiod, the Gateway and every HTTPRoute of the edge layer need them first.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** The Gateway API release Istio 1.30 is built against, and its standard-channel install manifest. */
export const GATEWAY_API = {
  version: "v1.5.1",
  url: "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml",
} as const;

export interface GatewayApiCrdsArgs {
  /** The manifest URL, pinned to a release. Default GATEWAY_API.url. */
  url?: string;
}

/** A manifest URL must name a release tag, never a branch or "latest" (pure). */
export function gatewayApiUrlProblem(url: string): string | undefined {
  if (!/^https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/releases\/download\/v\d+\.\d+\.\d+\/standard-install\.yaml$/.test(url)) {
    return `url ${JSON.stringify(url)} is not a pinned Gateway API release manifest; allowed: https://github.com/kubernetes-sigs/gateway-api/releases/download/v<x.y.z>/standard-install.yaml such as ${GATEWAY_API.url}`;
  }
  return undefined;
}

/** Resource transform: every object registered under the manifest is kept when it leaves the program. */
export const retainChildren: pulumi.ResourceTransform = (args) => ({ props: args.props, opts: pulumi.mergeOptions(args.opts, { retainOnDelete: true }) });

export class GatewayApiCrds extends pulumi.ComponentResource {
  readonly url: string;
  readonly manifest: k8s.yaml.v2.ConfigFile;

  constructor(name: string, args: GatewayApiCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ods:infra:GatewayApiCrds", name, {}, opts);
    this.url = args.url ?? GATEWAY_API.url;
    const problem = gatewayApiUrlProblem(this.url);
    if (problem) throw new Error(`GatewayApiCrds "${name}": ${problem}`);
    // Kept when the stack goes: deleting a CRD deletes every Gateway and route of its kind in the cluster.
    // retainOnDelete on the ConfigFile alone does not reach the objects it creates (its children), so a
    // transform puts it on each of them.
    this.manifest = new k8s.yaml.v2.ConfigFile(`${name}-crds`, { file: this.url }, { parent: this, retainOnDelete: true, transforms: [retainChildren] });
    this.registerOutputs({ url: this.url });
  }
}

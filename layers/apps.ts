// L4 applications ("Bisheng"): the agent API and the web front end on AppService, wired to the data and
// model layers (the three integration points) and to the identity layer's OIDC clients.
import * as pulumi from "@pulumi/pulumi";
import { AppsConfig, PlatformConfig } from "../config";
import { ExposedService } from "../components/edge/contracts";
import { IdentityHandle } from "../components/identity/contracts";
import { DataHandle } from "./data";
import { InfraHandle } from "./infra";
import { ModelHandle } from "./model";

export interface AppsHandle {
  /** In-cluster URLs. */
  agentApi?: { url: pulumi.Output<string> };
  web?: { url: pulumi.Output<string> };
  exposed: ExposedService[];
}

export function appsLayer(platform: PlatformConfig, cfg: AppsConfig, below: { infra: InfraHandle; data: DataHandle; model: ModelHandle; identity: IdentityHandle }): AppsHandle {
  // SCAFFOLD (replaced by the applications work before it lands).
  void platform;
  void cfg;
  void below;
  return { exposed: [] };
}

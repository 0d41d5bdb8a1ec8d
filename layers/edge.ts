// Edge: the certificate issuer, Istio with the Gateway API, one Gateway with an HTTPS listener per public
// host (HTTP redirected), and an HTTPRoute per service the layers below expose.
import { EdgeConfig, PlatformConfig } from "../config";
import { ExposedService } from "../components/edge/contracts";
import { IdentityHandle } from "../components/identity/contracts";
import { AppsHandle } from "./apps";
import { DataHandle } from "./data";
import { InfraHandle } from "./infra";
import { ModelHandle } from "./model";
import { ObservabilityHandle } from "./observability";

export interface EdgeHandle {
  /** Public base URL (https://<host>) of every exposed service, by host key. */
  urls: Partial<Record<ExposedService["host"], string>>;
}

export function edgeLayer(platform: PlatformConfig, cfg: EdgeConfig, below: { infra: InfraHandle; data: DataHandle; model: ModelHandle; identity: IdentityHandle; apps: AppsHandle; observability: ObservabilityHandle }): EdgeHandle {
  // SCAFFOLD (replaced by the edge work before it lands).
  void platform;
  void cfg;
  void below;
  return { urls: {} };
}

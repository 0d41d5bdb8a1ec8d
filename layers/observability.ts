// Observability: Prometheus (operator, rules, scraping of every monitor the kit declares), Alertmanager,
// Grafana with single sign-on and the kit's dashboards.
import { ObservabilityConfig, PlatformConfig } from "../config";
import { ExposedService } from "../components/edge/contracts";
import { IdentityHandle } from "../components/identity/contracts";
import { DataHandle } from "./data";
import { InfraHandle } from "./infra";

export interface ObservabilityHandle {
  exposed: ExposedService[];
}

export function observabilityLayer(platform: PlatformConfig, cfg: ObservabilityConfig, below: { infra: InfraHandle; data: DataHandle; identity: IdentityHandle }): ObservabilityHandle {
  // SCAFFOLD (replaced by the observability work before it lands).
  void platform;
  void cfg;
  void below;
  return { exposed: [] };
}

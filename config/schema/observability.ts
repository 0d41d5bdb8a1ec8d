// Observability (`ods:observability`): Prometheus, Alertmanager, Grafana, dashboards and alert rules.
import { z } from "zod";
import type { PlatformFacts } from "./platform";

export const observabilityInputSchema = z.strictObject({}).default({});

type ObservabilityInput = z.infer<typeof observabilityInputSchema>;

/** Rules across the section's keys and with the platform's; paths are relative to `observability`. */
export function checkObservability(observability: ObservabilityInput, ctx: z.RefinementCtx, at: PropertyKey[], facts: PlatformFacts): void {
  void observability;
  void ctx;
  void at;
  void facts;
}

/** The validated section with every default applied. */
export function resolveObservability(observability: ObservabilityInput, facts: PlatformFacts) {
  void facts;
  return { ...observability };
}

export type ObservabilityConfig = ReturnType<typeof resolveObservability>;

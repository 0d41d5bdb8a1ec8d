// Edge (`ods:edge`): the certificate issuer, Istio and the Gateway API entry point.
import { z } from "zod";
import type { PlatformFacts } from "./platform";

export const edgeInputSchema = z.strictObject({}).default({});

type EdgeInput = z.infer<typeof edgeInputSchema>;

/** Rules across the section's keys and with the platform's; paths are relative to `edge`. */
export function checkEdge(edge: EdgeInput, ctx: z.RefinementCtx, at: PropertyKey[], facts: PlatformFacts): void {
  void edge;
  void ctx;
  void at;
  void facts;
}

/** The validated section with every default applied. */
export function resolveEdge(edge: EdgeInput, facts: PlatformFacts) {
  void facts;
  return { ...edge };
}

export type EdgeConfig = ReturnType<typeof resolveEdge>;

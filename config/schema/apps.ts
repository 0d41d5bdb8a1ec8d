// L4 applications (`ods:apps`): the agent API and the web front end.
import { z } from "zod";
import type { PlatformFacts } from "./platform";

export const appsInputSchema = z.strictObject({}).default({});

type AppsInput = z.infer<typeof appsInputSchema>;

/** Rules across the section's keys and with the platform's; paths are relative to `apps`. */
export function checkApps(apps: AppsInput, ctx: z.RefinementCtx, at: PropertyKey[], facts: PlatformFacts): void {
  void apps;
  void ctx;
  void at;
  void facts;
}

/** The validated section with every default applied. */
export function resolveApps(apps: AppsInput, facts: PlatformFacts) {
  void facts;
  return { ...apps };
}

export type AppsConfig = ReturnType<typeof resolveApps>;

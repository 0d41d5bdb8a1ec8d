// L4 identity (`ods:identity`): Keycloak, the platform realm, its roles, groups and OIDC clients, Kubernetes access.
import { z } from "zod";
import type { PlatformFacts } from "./platform";

export const identityInputSchema = z.strictObject({}).default({});

type IdentityInput = z.infer<typeof identityInputSchema>;

/** Rules across the section's keys and with the platform's; paths are relative to `identity`. */
export function checkIdentity(identity: IdentityInput, ctx: z.RefinementCtx, at: PropertyKey[], facts: PlatformFacts): void {
  void identity;
  void ctx;
  void at;
  void facts;
}

/** The validated section with every default applied. */
export function resolveIdentity(identity: IdentityInput, facts: PlatformFacts) {
  void facts;
  return { ...identity };
}

export type IdentityConfig = ReturnType<typeof resolveIdentity>;

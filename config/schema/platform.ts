// Platform-wide keys: the environment's name and domain, high availability, the name prefix.
import { z } from "zod";
import { dnsLabel, HOSTNAME } from "./common";
import { PublicHosts } from "../../components/edge/contracts";
import type { RealmEndpoints } from "../../components/identity/contracts";

export const platformShape = {
  environment: dnsLabel("environment name", 20).describe("Environment name (e.g. dev), used in resource names and tags; `<namePrefix>-<environment>` is at most 30 characters."),
  domain: z
    .string()
    .regex(HOSTNAME, { error: "must be a lower-case DNS domain with at least two labels, such as dev.ods.example.com" })
    // An IP address is not a domain: certificates (and ACME) need names, and a top-level label is never all digits.
    .refine((d) => !/^[0-9]+$/.test(d.split(".").pop() ?? ""), { error: "must be a DNS domain, not an IP address (certificates and the ACME issuer need names)" })
    .describe("Base DNS domain of the platform's endpoints, e.g. dev.ods.example.com: a lower-case DNS domain with at least two labels. Every public host is `<label>.<domain>`."),
  highAvailability: z
    .boolean()
    .default(false)
    .describe("Everything highly available: several replicas with disruption budgets and spreading, failover for the data services; on AWS it needs at least 3 availability zones."),
  namePrefix: dnsLabel("name prefix", 12).default("ods").describe("Prefix of namespaces (`<prefix>-<layer>`) and cloud resource names (`<prefix>-<environment>`)."),
};

/**
 * Platform keys as validated, plus what derives from them and is needed below the layer that owns it:
 * every public host name, and the platform realm's endpoints (services of every layer check its tokens).
 */
export type PlatformConfig = z.infer<z.ZodObject<typeof platformShape>> & { hosts: PublicHosts; realm: RealmEndpoints };

/** What the rules of the upper layers' sections need to know about the platform and the cluster. */
export interface PlatformFacts {
  highAvailability: boolean;
  infraKind: "aws" | "existing";
  hosts: PublicHosts;
}

// Platform-wide keys: the environment's name and domain, high availability, the name prefix.
import { z } from "zod";
import { dnsLabel, HOSTNAME } from "./common";
import { PublicHosts } from "../../components/edge/contracts";

export const platformShape = {
  /** Environment name, used in resource names and tags (e.g. dev). */
  environment: dnsLabel("environment name", 20),
  /** Base DNS domain of the platform's endpoints, e.g. dev.ods.example.com. */
  domain: z.string().regex(HOSTNAME, { error: "must be a lower-case DNS domain with at least two labels, such as dev.ods.example.com" }),
  /** Highly available: multi-AZ, replicas > 1, disruption budgets. Default false. */
  highAvailability: z.boolean().default(false),
  /** Prefix of namespaces and cloud resource names. Default "ods". */
  namePrefix: dnsLabel("name prefix", 12).default("ods"),
};

/** Platform keys as validated, plus every public host name (derived from `domain`, never configured). */
export type PlatformConfig = z.infer<z.ZodObject<typeof platformShape>> & { hosts: PublicHosts };

/** What the rules of the upper layers' sections need to know about the platform and the cluster. */
export interface PlatformFacts {
  highAvailability: boolean;
  infraKind: "aws" | "existing";
  hosts: PublicHosts;
}

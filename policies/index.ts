// The ONE-DATA-STUDIO policy pack: `pulumi preview --policy-pack policies --policy-pack-config out/policy/<stack>.json`
// (that file comes from `npm run policy -- --stack <stack> --emit-config out/policy/<stack>.json`).
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("ods-platform", {
  // Rules set their own level; this only applies to a rule that would not.
  enforcementLevel: "advisory",
  description: "Security, availability and cost guardrails for the ONE-DATA-STUDIO platform kit (Kubernetes, EKS, Keycloak, MinIO, MySQL).",
  policies,
});

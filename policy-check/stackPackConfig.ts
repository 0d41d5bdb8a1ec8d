// The effective pack config of a stack: policies/config/base.json, the stack's differences
// (policies/config/<stack>.json, optional) and the facts its stack config states.
import * as fs from "fs";
import * as path from "path";
import type { Policies } from "@pulumi/policy";
import { OdsConfig } from "../config";
import { LAYERS } from "../components/lib/cluster";
import { baseName, namespaceName } from "../components/lib/naming";
import { REPO_ROOT } from "../lib/repo";
import { readStackConfig, validateStackConfig } from "../config/stackFile";
import { checkedPackConfig, mergePackConfig, PackConfig, readPackConfigFile, StackFacts } from "./packConfig";

export function stackFacts(cfg: OdsConfig): StackFacts {
  const vars: Record<string, string> = { prefix: cfg.namePrefix, environment: cfg.environment, base: baseName(cfg) };
  for (const layer of LAYERS) vars[`namespace.${layer}`] = namespaceName(cfg.namePrefix, layer);
  return {
    highAvailability: cfg.highAvailability,
    maxGpuNodes: cfg.infra.gpuPools.reduce((n, p) => n + p.maxSize, 0),
    worldOpenReason: cfg.infra.aws?.endpoint.worldOpenReason ?? "",
    worldOpenSecurityGroups: cfg.infra.aws?.worldOpenSecurityGroups ?? [],
    vars,
    // Where the kit pushes the images it builds: any account's ECR registry of the stack's region (the
    // account is not known offline), under the stack's base name; or the existing cluster's registry.
    imageRegistries: cfg.infra.aws ? [`*.dkr.ecr.${cfg.infra.aws.region}.amazonaws.com/${baseName(cfg)}`] : cfg.infra.existingCluster?.registry ? [`${cfg.infra.existingCluster.registry}/${baseName(cfg)}`] : [],
    deploys: { gpuOperator: cfg.infra.gpuOperator.enabled, certManager: cfg.infra.certManager.enabled, minio: cfg.data.objectStore.kind === "minio", s3: cfg.data.objectStore.kind === "s3", milvusCluster: cfg.data.milvus.mode === "cluster", publicGateway: cfg.edge.gateway.service.type === "LoadBalancer" },
  };
}

export interface StackPackConfig {
  config: PackConfig;
  /** The files it was built from (for messages and the report). */
  files: string[];
}

/** Builds and checks the pack config of `stack` from its files and its validated stack config. */
export function stackPackConfig(stack: string, policies: Policies, opts: { root?: string; stackFile?: string } = {}): StackPackConfig {
  const root = opts.root ?? REPO_ROOT;
  const dir = path.join(root, "policies", "config");
  const baseFile = path.join(dir, "base.json");
  const diffFile = path.join(dir, `${stack}.json`);
  const hasDiff = fs.existsSync(diffFile);
  const sc = readStackConfig(root, stack, opts.stackFile);
  const cfg = validateStackConfig(sc);
  const rel = (f: string) => path.relative(root, f);
  const config = mergePackConfig(readPackConfigFile(baseFile), hasDiff ? readPackConfigFile(diffFile) : {}, stackFacts(cfg), { base: rel(baseFile), diff: rel(diffFile) });
  const files = [rel(baseFile), ...(hasDiff ? [rel(diffFile)] : []), opts.stackFile ? rel(opts.stackFile) : `stacks/Pulumi.${stack}.yaml`];
  return { config: checkedPackConfig(config, policies, files.join(" + ")), files };
}

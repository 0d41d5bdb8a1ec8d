// The infra layer's handle: what every upper layer gets, on AWS and on an existing cluster.
import * as pulumi from "@pulumi/pulumi";
import { validateConfig } from "../config/load";
import { LAYERS } from "../components/lib/cluster";
import { record } from "../test/harness";
import { MINIMAL_APPS, MINIMAL_DATA, MINIMAL_EDGE, MINIMAL_IDENTITY, MINIMAL_MODEL } from "../test/minimalConfig";
import { infraLayer, InfraHandle } from "./infra";

const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const platform = { environment: "t", domain: "t.example.com", data: MINIMAL_DATA, model: MINIMAL_MODEL, apps: MINIMAL_APPS, identity: MINIMAL_IDENTITY, edge: MINIMAL_EDGE };
const aws = {
  kind: "aws",
  aws: {
    region: "eu-west-1",
    availabilityZones: ["eu-west-1a", "eu-west-1b"],
    kubernetesVersion: "1.35",
    ebsCsiAddonVersion: "v1.67.1-eksbuild.1",
    systemNodes: { instanceTypes: ["m6i.xlarge"], minSize: 1, desiredSize: 1, maxSize: 2 },
  },
  gpuPools: [{ name: "l4", instanceTypes: ["g6.xlarge"], gpuType: "l4", gpusPerNode: 1, capacityType: "spot", minSize: 0, desiredSize: 0, maxSize: 3 }],
};

test("on AWS the handle carries the IRSA facts, the node role, the pools to schedule on and every layer's namespace", async () => {
  const cfg = validateConfig({ ...platform, infra: aws });
  let handle: InfraHandle | undefined;
  await record(() => (handle = infraLayer(cfg, cfg.infra)), { region: "eu-west-1" });
  const c = handle!.cluster;
  expect(c.kubernetesVersion).toBe("1.35");
  expect(await value(c.storageClass)).toBe("gp3-encrypted");
  expect(c.gpu).toMatchObject({ capacity: 3, operatorInstalled: true });
  expect(c.gpu.pools).toEqual([
    expect.objectContaining({ name: "l4", gpusPerNode: 1, maxSize: 3, nodeSelector: { "ods.io/gpu-pool": "l4", "ods.io/gpu-type": "l4", "ods.io/accelerator": "nvidia" }, taint: { key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" } }),
  ]);
  expect(Object.keys(c.namespaces).sort()).toEqual([...LAYERS].sort());
  expect(await value(c.namespaces.model)).toBe("ods-model");
  expect(c.aws?.region).toBe("eu-west-1");
  expect(await value(c.aws!.oidcProviderArn)).toMatch(/^arn:aws:iam::123456789012:oidc-provider\/oidc\.eks\.eu-west-1\.amazonaws\.com\/id\//);
  expect(await value(c.aws!.oidcIssuerUrl)).toMatch(/^https:\/\/oidc\.eks\.eu-west-1\.amazonaws\.com\/id\//);
  expect(await value(c.aws!.nodeRoleArn)).toMatch(/^arn:aws:iam::123456789012:role\//);
  expect(c.aws!.privateSubnetIds).toHaveLength(2);
});

test("on an existing cluster the handle has the same shape, no AWS facts, and the configured GPUs", async () => {
  const cfg = validateConfig({ ...platform, namePrefix: "acme", infra: { kind: "existing", existingCluster: { storageClass: "local-path", gpus: 2, kubernetesVersion: "1.34" } } });
  let handle: InfraHandle | undefined;
  const resources = await record(() => (handle = infraLayer(cfg, cfg.infra)));
  const c = handle!.cluster;
  expect(c.aws).toBeUndefined();
  expect(c.kubernetesVersion).toBe("1.34");
  expect(await value(c.storageClass)).toBe("local-path");
  expect(c.gpu).toEqual({ capacity: 2, pools: [], operatorInstalled: true });
  expect(await value(c.namespaces.data)).toBe("acme-data");
  expect(resources.some((r) => r.type.startsWith("aws:"))).toBe(false);
  expect(resources.filter((r) => r.type === "ods:infra:GpuOperator")).toHaveLength(1);
});

test("the Prometheus CRDs are installed unless the cluster has them; the GPU operator's ServiceMonitor waits for them", async () => {
  const existing = { kind: "existing", existingCluster: { storageClass: "local-path", gpus: 1, kubernetesVersion: "1.35" } };
  const on = validateConfig({ ...platform, infra: existing });
  expect(on.infra.prometheusCrds).toEqual({ enabled: true });
  let handle: InfraHandle | undefined;
  const resources = await record(() => (handle = infraLayer(on, on.infra)));
  const crds = resources.filter((r) => r.type === "ods:infra:PrometheusCrds");
  expect(crds).toHaveLength(1);
  expect(handle!.cluster.prometheusCrds).toBeDefined();
  const operator = resources.find((r) => r.type === "ods:infra:GpuOperator")!;
  // The SDK records a dependency on a component as one on each of its children: here the chart.
  const chart = resources.find((r) => r.parent === crds[0].name)!;
  expect(operator.dependencies).toContain(chart.urn);

  const off = validateConfig({ ...platform, infra: { ...existing, prometheusCrds: { enabled: false } } });
  const without = await record(() => (handle = infraLayer(off, off.infra)));
  expect(without.filter((r) => r.type === "ods:infra:PrometheusCrds")).toEqual([]);
  expect(handle!.cluster.prometheusCrds).toBeUndefined();
  expect(() => validateConfig({ ...platform, infra: { ...existing, prometheusCrds: { enabled: "yes" } } })).toThrow(/infra\.prometheusCrds\.enabled/);
});

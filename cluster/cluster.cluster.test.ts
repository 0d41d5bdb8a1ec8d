// The cluster check against the real control plane (`npm run test:cluster`): the `local` stack with
// one planted defect of each class must fail, naming each object and its reason; the users' dry run
// against a running cluster admits the plan without storing it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { PlannedObject } from "./check";
import { clusterCheck } from "./cli";
import { down, up } from "./controlPlane";

const find = (objects: PlannedObject[], kind: string, namespace: string, name: string) => {
  const p = objects.find((o) => o.object.kind === kind && o.object.metadata.namespace === namespace && o.object.metadata.name === name);
  if (!p) throw new Error(`the local plan has no ${kind} ${namespace}/${name}`);
  return p.object as { spec: { replicas?: number; template: { spec: { containers: { securityContext?: Record<string, unknown> }[]; affinity?: unknown } } }; [k: string]: unknown };
};

test("a planted defect of each class fails the check, each finding naming the object and the reason", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-cluster-planted-"));
  const report = await clusterCheck({
    stack: "local",
    dir,
    // A bound on a hung cluster only: waiting ends as soon as the planted defects are all that is left.
    timeoutMs: 240_000,
    expectFailing: ["Deployment ods-apps/web", "Deployment ods-identity/ods-local-keycloak", "Deployment ods-model/ods-local-model-api-deployment-router"],
    log: () => undefined,
    mutate: ({ objects }) => {
      // 1. An object the API server refuses: a negative replica count.
      find(objects, "Deployment", "ods-apps", "agent-api").spec.replicas = -1;
      // 2. A pod Pod Security refuses: a privileged container in a restricted namespace.
      find(objects, "Deployment", "ods-apps", "web").spec.template.spec.containers[0].securityContext = { privileged: true };
      // 3. A quota too small: the identity namespace may hold one pod less than Keycloak needs.
      const quota = objects.find((o) => o.object.kind === "ResourceQuota" && o.object.metadata.namespace === "ods-identity")?.object as { spec: { hard: Record<string, string> } };
      quota.spec.hard["limits.memory"] = "64Mi";
      // 3b. A quota that holds the steady state but not a rollout: the edge namespace at 4Gi, where
      // istiod's surge pod (a 2Gi limit) comes on top of 3Gi in use (the local stack's old value).
      const edge = objects.find((o) => o.object.kind === "ResourceQuota" && o.object.metadata.namespace === "ods-edge")?.object as { spec: { hard: Record<string, string> } };
      edge.spec.hard["limits.memory"] = "4Gi";
      // 4. More replicas than nodes can hold: two router replicas that must not share a node, on one node.
      const router = find(objects, "Deployment", "ods-model", "ods-local-model-api-deployment-router");
      router.spec.replicas = 2;
      router.spec.template.spec.affinity = {
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: (router.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels } }] },
      };
    },
  });
  fs.rmSync(dir, { recursive: true, force: true });
  const findings = report.findings.map((f) => `${f.class} ${f.object}`);
  expect(findings).toEqual(
    expect.arrayContaining([
      "refused Deployment ods-apps/agent-api",
      "pod-refused Deployment ods-apps/web",
      "quota Deployment ods-identity/ods-local-keycloak",
      "placement Deployment ods-model/ods-local-model-api-deployment-router",
      "quota ResourceQuota ods-edge/layer-quota",
    ]),
  );
  const reason = (o: string) => report.findings.find((f) => f.object === o)?.reason ?? "";
  expect(reason("Deployment ods-apps/agent-api")).toMatch(/spec\.replicas.*must be greater than or equal to 0/);
  expect(reason("Deployment ods-apps/web")).toMatch(/violates PodSecurity "restricted:latest": privileged/);
  expect(reason("Deployment ods-identity/ods-local-keycloak")).toMatch(/exceeded quota: layer-quota.*limits\.memory/);
  expect(reason("Deployment ods-model/ods-local-model-api-deployment-router")).toMatch(/didn't match pod anti-affinity rules/);
  expect(reason("ResourceQuota ods-edge/layer-quota")).toMatch(/^limits\.memory: needs 5\.00Gi = steady 3\.00Gi \+ surge 2\.00Gi \(Deployment istiod\), above the quota's 4Gi$/);
  // Nothing else failed: the defects are the only findings (the unplanted stack has none).
  expect(report.findings).toHaveLength(5);
  // The operators ran and their workloads were checked.
  expect(report.operators).toEqual(expect.arrayContaining([expect.stringMatching(/^moco-controller /), expect.stringMatching(/^operator /)]));
  expect(report.ready).toEqual(expect.arrayContaining(["StatefulSet ods-data/moco-ods-local-mysql", expect.stringMatching(/^StatefulSet ods-observability\/prometheus-/)]));
  expect(report.cronJobs).toEqual(["CronJob ods-data/moco-backup-ods-local-mysql"]);
});

test("--dry-run=server against a running cluster admits the plan without storing it; what the plan itself must create first is unchecked, not failed", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ods-cluster-dry-"));
  const state = await up({ dir, log: () => undefined });
  try {
    const report = await clusterCheck({ stack: "local", kubeconfig: state.kubeconfig, dryRun: true, log: () => undefined });
    expect(report.findings).toEqual([]);
    expect(report.applied).toBeGreaterThan(20);
    expect(report.unchecked.map((u) => u.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/namespace ods-data comes from this plan/), expect.stringMatching(/from a CRD of this plan/)]));
    // Nothing was stored: the namespaces the plan declares are not there.
    const { KubeClient } = await import("./kubeClient");
    const client = KubeClient.fromKubeconfig(state.kubeconfig);
    expect(await client.get("v1", "Namespace", undefined, "ods-data")).toBeUndefined();
    client.close();
    // A refusal is still a finding: a Deployment with a negative replica count in an existing namespace.
    const bad = await clusterCheck({
      stack: "local",
      kubeconfig: state.kubeconfig,
      dryRun: true,
      log: () => undefined,
      mutate: ({ objects }) => {
        const d = objects.find((o) => o.object.kind === "Deployment") as PlannedObject;
        d.object.metadata.namespace = "default";
        (d.object.spec as { replicas: number }).replicas = -1;
      },
    });
    expect(bad.findings).toEqual([expect.objectContaining({ class: "refused", reason: expect.stringMatching(/replicas/) })]);

    // A kubeconfig whose token comes from an exec plugin (as \`aws eks get-token\` gives one): the same answer;
    // a plugin that gives a wrong token is refused by the API server.
    const execConfig = (token: string) => {
      const script = path.join(dir, `token-${token.length}.sh`);
      fs.writeFileSync(script, `#!/bin/sh\nprintf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' '${token}'\n`, { mode: 0o700 });
      const file = path.join(dir, `exec-${token.length}.yaml`);
      fs.writeFileSync(
        file,
        [
          "apiVersion: v1",
          "kind: Config",
          `clusters: [{name: c, cluster: {server: "${state.server}", certificate-authority: "${path.join(dir, "pki", "ca.crt")}"}}]`,
          `users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "${script}"}}}]`,
          "contexts: [{name: x, context: {cluster: c, user: u}}]",
          "current-context: x",
        ].join("\n"),
      );
      return file;
    };
    const viaExec = await clusterCheck({ stack: "local", kubeconfig: execConfig(fs.readFileSync(path.join(dir, "pki", "token"), "utf8")), dryRun: true, log: () => undefined });
    expect(viaExec.findings).toEqual([]);
    expect(viaExec.applied).toBe(report.applied);
    await expect(clusterCheck({ stack: "local", kubeconfig: execConfig("wrong"), dryRun: true, log: () => undefined })).rejects.toThrow(/Unauthorized|401/);
  } finally {
    await down({ dir, log: () => undefined });
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

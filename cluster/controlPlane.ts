// A real Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and kwok (fake nodes whose pods run nothing and report ready), as local processes.
// Every listener binds 127.0.0.1; Service and pod addresses come from ranges inside 127.0.0.0/8, so
// nothing the cluster does reaches beyond this machine.
import { execFileSync, spawn } from "child_process";
import { generateKeyPairSync, randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { repoPath } from "../lib/repo";
import { binaryPath, CONTROL_PLANE_MODULES, dataFiles } from "./build";
import { KubeClient } from "./kubeClient";

/** Service ClusterIPs (the API server's own `kubernetes` Service takes the first). */
export const SERVICE_RANGE = "127.96.0.0/16";
/** Pod IPs kwok hands out. */
export const POD_RANGE = "127.112.0.0/16";

/** The folder holding a cluster's certificates, data, logs and state: ODS_CLUSTER_DIR or .cache/cluster. */
export function clusterDir(): string {
  return process.env.ODS_CLUSTER_DIR ?? repoPath(".cache", "cluster");
}

export interface ClusterState {
  /** https://127.0.0.1:<port> */
  server: string;
  kubeconfig: string;
  /** Process ids by program, in start order. */
  pids: Record<string, number>;
  ports: Record<string, number>;
  startedAt: string;
}

const STATE_FILE = "state.json";

export function readState(dir = clusterDir()): ClusterState | undefined {
  const f = path.join(dir, STATE_FILE);
  if (!fs.existsSync(f)) return undefined;
  return JSON.parse(fs.readFileSync(f, "utf8")) as ClusterState;
}

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether the process is still one the kit started (a pid from an old state file may have been reused since). */
function ours(pid: number): boolean {
  if (!alive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith(path.dirname(binaryPath("etcd")));
  } catch {
    return process.platform !== "linux";
  }
}

/** A free TCP port on 127.0.0.1 (bound and released; the caller binds it next). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA, the API server's serving certificate (127.0.0.1, localhost and the `kubernetes` Service's address), an admin client certificate, and the service-account signing key. */
function makePki(pki: string): void {
  fs.mkdirSync(pki, { recursive: true });
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=ods-local-ca"], pki);
  const ext = path.join(pki, "serving.ext");
  fs.writeFileSync(ext, "subjectAltName=IP:127.0.0.1,IP:127.96.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n");
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "apiserver.key", "-out", "apiserver.csr", "-subj", "/CN=kube-apiserver"], pki);
  openssl(["x509", "-req", "-in", "apiserver.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "apiserver.crt", "-days", "30", "-extfile", "serving.ext"], pki);
  fs.writeFileSync(path.join(pki, "client.ext"), "extendedKeyUsage=clientAuth\n");
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "admin.key", "-out", "admin.csr", "-subj", "/O=system:masters/CN=ods-admin"], pki);
  openssl(["x509", "-req", "-in", "admin.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", "admin.crt", "-days", "30", "-extfile", "client.ext"], pki);
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
  fs.writeFileSync(path.join(pki, "sa.pub"), publicKey);
  fs.writeFileSync(path.join(pki, "sa.key"), privateKey, { mode: 0o600 });
  // A bearer token as well, for kubeconfigs that carry a token or get one from an exec plugin.
  const token = randomBytes(24).toString("hex");
  fs.writeFileSync(path.join(pki, "token"), token, { mode: 0o600 });
  fs.writeFileSync(path.join(pki, "tokens.csv"), `${token},ods-token-user,ods-token-user,"system:masters"\n`, { mode: 0o600 });
}

function kubeconfigYaml(server: string, pki: string): string {
  const p = (f: string) => JSON.stringify(path.join(pki, f));
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: ods-local",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority: ${p("ca.crt")}`,
    "users:",
    "- name: ods-admin",
    "  user:",
    `    client-certificate: ${p("admin.crt")}`,
    `    client-key: ${p("admin.key")}`,
    "contexts:",
    "- name: ods-local",
    "  context: {cluster: ods-local, user: ods-admin}",
    "current-context: ods-local",
    "",
  ].join("\n");
}

function start(name: string, args: string[], logDir: string): number {
  const bin = binaryPath(name);
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing; run \`npm run setup\` (or \`npm run cluster -- build\`) to build the control plane`);
  const log = fs.openSync(path.join(logDir, `${name}.log`), "a");
  const child = spawn(bin, args, { detached: true, stdio: ["ignore", log, log] });
  fs.closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  return child.pid;
}

/** The last lines of a log file ("" when there is none). */
export function tail(file: string, lines = 15): string {
  if (!fs.existsSync(file)) return "";
  return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

async function waitFor(what: string, ok: () => Promise<boolean>, timeoutMs: number, pid: number, log: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!alive(pid)) throw new Error(`${what} exited while starting; the end of ${log}:\n${tail(log)}`);
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000} s; the end of ${log}:\n${tail(log)}`);
}

export interface UpOptions {
  dir?: string;
  /** How long each program may take to become ready (default 60 s). */
  timeoutMs?: number;
  log?: (line: string) => void;
}

/**
 * Starts the control plane (a fresh one: an earlier cluster in the same folder is stopped and its data
 * removed) and returns once the API server is ready and the controllers and kwok are running.
 */
export async function up(opts: UpOptions = {}): Promise<ClusterState> {
  const dir = opts.dir ?? clusterDir();
  const log = opts.log ?? ((l: string) => console.error(l));
  const timeoutMs = opts.timeoutMs ?? 60_000;
  await down({ dir, log: () => undefined });
  fs.rmSync(dir, { recursive: true, force: true });
  const pki = path.join(dir, "pki");
  const logs = path.join(dir, "logs");
  fs.mkdirSync(logs, { recursive: true });
  makePki(pki);
  const ports = {
    etcd: await freePort(),
    etcdPeer: await freePort(),
    apiserver: await freePort(),
    controllerManager: await freePort(),
    scheduler: await freePort(),
    kwok: await freePort(),
  };
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const kubeconfig = path.join(dir, "kubeconfig");
  fs.writeFileSync(kubeconfig, kubeconfigYaml(server, pki), { mode: 0o600 });
  const pids: Record<string, number> = {};
  const state: ClusterState = { server, kubeconfig, pids, ports, startedAt: new Date().toISOString() };
  const save = () => fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify(state, null, 2) + "\n");
  const pk = (f: string) => path.join(pki, f);

  try {
    const etcdUrl = `http://127.0.0.1:${ports.etcd}`;
    const peerUrl = `http://127.0.0.1:${ports.etcdPeer}`;
    pids.etcd = start(
      "etcd",
      [
        "--name=ods",
        `--data-dir=${path.join(dir, "etcd")}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=ods=${peerUrl}`,
        "--unsafe-no-fsync",
        "--log-level=warn",
      ],
      logs,
    );
    save();
    await waitFor("etcd", async () => (await fetch(`${etcdUrl}/health`)).ok, timeoutMs, pids.etcd, path.join(logs, "etcd.log"));

    pids["kube-apiserver"] = start(
      "kube-apiserver",
      [
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${ports.apiserver}`,
        `--service-cluster-ip-range=${SERVICE_RANGE}`,
        `--tls-cert-file=${pk("apiserver.crt")}`,
        `--tls-private-key-file=${pk("apiserver.key")}`,
        `--client-ca-file=${pk("ca.crt")}`,
        `--token-auth-file=${pk("tokens.csv")}`,
        "--service-account-issuer=https://kubernetes.default.svc",
        `--service-account-key-file=${pk("sa.pub")}`,
        `--service-account-signing-key-file=${pk("sa.key")}`,
        "--authorization-mode=RBAC",
        "--allow-privileged=true",
        "--profiling=false",
        "--endpoint-reconciler-type=none",
      ],
      logs,
    );
    save();
    const client = KubeClient.fromKubeconfig(kubeconfig);
    await waitFor("kube-apiserver", async () => (await client.raw("GET", "/readyz")).status === 200, timeoutMs, pids["kube-apiserver"], path.join(logs, "kube-apiserver.log"));

    const common = [`--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`, "--bind-address=127.0.0.1", "--leader-elect=false"];
    pids["kube-controller-manager"] = start(
      "kube-controller-manager",
      [...common, `--secure-port=${ports.controllerManager}`, `--service-account-private-key-file=${pk("sa.key")}`, `--root-ca-file=${pk("ca.crt")}`, "--use-service-account-credentials=false", "--cluster-signing-cert-file=" + pk("ca.crt"), "--cluster-signing-key-file=" + pk("ca.key")],
      logs,
    );
    pids["kube-scheduler"] = start("kube-scheduler", [...common, `--secure-port=${ports.scheduler}`], logs);
    pids.kwok = start(
      "kwok",
      [
        `--kubeconfig=${kubeconfig}`,
        "--manage-all-nodes=false",
        "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
        `--cidr=${POD_RANGE}`,
        "--node-ip=127.0.0.1",
        // Nodes renew a Lease, as kubelets do, so the node controller keeps them Ready.
        "--node-lease-duration-seconds=40",
        `--server-address=127.0.0.1:${ports.kwok}`,
        ...dataFiles(CONTROL_PLANE_MODULES.find((m) => m.dir === "kwok") as (typeof CONTROL_PLANE_MODULES)[number]).map((f) => `--config=${f}`),
      ],
      logs,
    );
    save();
    // The controllers are up once the default ServiceAccount appears (the serviceaccount controller made it).
    await waitFor(
      "kube-controller-manager",
      async () => (await client.raw("GET", "/api/v1/namespaces/default/serviceaccounts/default")).status === 200,
      timeoutMs,
      pids["kube-controller-manager"],
      path.join(logs, "kube-controller-manager.log"),
    );
    for (const name of ["kube-scheduler", "kwok"]) if (!alive(pids[name])) throw new Error(`${name} exited while starting; the end of its log:\n${tail(path.join(logs, `${name}.log`))}`);
    log(`cluster: up at ${server} (kubeconfig ${kubeconfig}; logs in ${logs})`);
    return state;
  } catch (err) {
    await down({ dir, log: () => undefined });
    throw err;
  }
}

/** Adds a process (an operator the check started) to the cluster's state, so `down` stops it too. */
export function recordProcess(name: string, pid: number, dir = clusterDir()): void {
  const state = readState(dir);
  if (!state) throw new Error(`no cluster in ${dir}`);
  state.pids[name] = pid;
  fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify(state, null, 2) + "\n");
}

/** Stops every program of the cluster in the folder (SIGTERM, then SIGKILL after 10 s). Data stays until the next `up`. */
export async function down(opts: { dir?: string; log?: (line: string) => void } = {}): Promise<boolean> {
  const dir = opts.dir ?? clusterDir();
  const log = opts.log ?? ((l: string) => console.error(l));
  const state = readState(dir);
  if (!state) {
    log("cluster: none running");
    return false;
  }
  const pids = Object.entries(state.pids).reverse().filter(([, pid]) => ours(pid));
  for (const [, pid] of pids) process.kill(pid, "SIGTERM");
  const until = Date.now() + 10_000;
  while (Date.now() < until && pids.some(([, pid]) => ours(pid))) await new Promise((r) => setTimeout(r, 100));
  for (const [, pid] of pids) if (ours(pid)) process.kill(pid, "SIGKILL");
  fs.rmSync(path.join(dir, STATE_FILE), { force: true });
  log(`cluster: stopped (${pids.map(([n]) => n).join(", ")})`);
  return true;
}

// The local control plane's programs, built from the Go module proxy by the wrapper modules in
// cluster/go/<module>/ (each go.mod pins its upstream release; go.sum pins every download), into
// .tools/cluster/bin. A module is rebuilt only when its go.mod or go.sum changed since the last build.
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { repoPath } from "../lib/repo";

/** A wrapper module and the programs it builds (main packages of its upstream, one binary each). */
export interface GoModule {
  /** Folder under cluster/go. */
  dir: string;
  /** Main packages; the binary is named after the last path element. */
  packages: readonly string[];
  /** Binary name, when not the package's last path element. */
  binary?: string;
  /** Data files of the upstream module the programs need at run time, copied from Go's module cache. */
  data?: { module: string; files: readonly string[]; into: string };
}

/**
 * kwok's stages (what a fake node and its pods go through), as its release ships them: nodes become
 * Ready and keep a lease; pods are created, run their init containers, become ready, complete (Jobs)
 * and go away when deleted.
 */
export const KWOK_STAGES = [
  "kustomize/stage/node/fast/node-initialize.yaml",
  "kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
  "kustomize/stage/pod/general/pod-create.yaml",
  "kustomize/stage/pod/general/pod-init-container-running.yaml",
  "kustomize/stage/pod/general/pod-init-container-completed.yaml",
  "kustomize/stage/pod/general/pod-ready.yaml",
  "kustomize/stage/pod/general/pod-complete.yaml",
  "kustomize/stage/pod/general/pod-delete.yaml",
] as const;

/** The data files of a module as copied into the bin folder's `into` subfolder. */
export function dataFiles(mod: GoModule): string[] {
  return (mod.data?.files ?? []).map((f) => path.join(binDir(), mod.data?.into ?? "", path.basename(f)));
}

export const CONTROL_PLANE_MODULES: readonly GoModule[] = [
  { dir: "etcd", packages: ["go.etcd.io/etcd/server/v3"] },
  {
    dir: "kube",
    packages: ["k8s.io/kubernetes/cmd/kube-apiserver", "k8s.io/kubernetes/cmd/kube-controller-manager", "k8s.io/kubernetes/cmd/kube-scheduler"],
  },
  { dir: "kwok", packages: ["sigs.k8s.io/kwok/cmd/kwok"], data: { module: "sigs.k8s.io/kwok", files: KWOK_STAGES, into: "kwok-stages" } },
];

/** The operators the cluster check runs as local processes (cluster/operators.ts), at the versions the kit's charts ship. */
export const MOCO_MODULE: GoModule = { dir: "moco", packages: ["github.com/cybozu-go/moco/cmd/moco-controller"] };
export const PROMETHEUS_OPERATOR_MODULE: GoModule = { dir: "prometheus-operator", packages: ["github.com/prometheus-operator/prometheus-operator/cmd/operator"] };
/** cert-manager's controllers from its library packages: its own program's module is not on the proxy (cluster/go/cert-manager/go.mod). */
export const CERT_MANAGER_MODULE: GoModule = { dir: "cert-manager", packages: ["."], binary: "cert-manager-controller" };
export const KEDA_MODULE: GoModule = { dir: "keda", packages: ["github.com/kedacore/keda/v2/cmd/operator"], binary: "keda-operator" };
export const OPERATOR_MODULES: readonly GoModule[] = [MOCO_MODULE, PROMETHEUS_OPERATOR_MODULE, CERT_MANAGER_MODULE];
/**
 * Built only when asked (`npm run cluster -- build --with-keda`): KEDA's operator links every scaler's
 * cloud SDK, about 8 minutes of a cold build on 2 cores, for an HPA object per ScaledObject and no pods.
 */
export const OPTIONAL_MODULES: readonly GoModule[] = [KEDA_MODULE];

/** Everything `npm run setup` builds. */
export const ALL_MODULES: readonly GoModule[] = [...CONTROL_PLANE_MODULES, ...OPERATOR_MODULES];

/** No symbol tables: the binaries are a third of the size. */
const LDFLAGS = "-s -w";

/** Where the binaries go: ODS_CLUSTER_BIN, or .tools/cluster/bin in the repository. */
export function binDir(): string {
  return process.env.ODS_CLUSTER_BIN ?? repoPath(".tools", "cluster", "bin");
}

/** The binary a main package builds to ("go.etcd.io/etcd/server/v3" builds "etcd"). */
export function binaryName(pkg: string, mod?: GoModule): string {
  if (mod?.binary) return mod.binary;
  if (pkg === "go.etcd.io/etcd/server/v3") return "etcd";
  return pkg.split("/").pop() as string;
}

export function binaryPath(name: string): string {
  return path.join(binDir(), name);
}

function moduleHash(mod: GoModule): string {
  const dir = repoPath("cluster", "go", mod.dir);
  const h = createHash("sha256");
  // go.mod, go.sum and any program of the kit's own (main.go).
  for (const f of fs.readdirSync(dir).sort()) h.update(`${f}\0`).update(fs.readFileSync(path.join(dir, f)));
  h.update(mod.packages.join("\n") + LDFLAGS);
  h.update((mod.data?.files ?? []).join("\n"));
  return h.digest("hex");
}

/** Whether every binary of the module is there and was built from the module as it is now. */
export function isBuilt(mod: GoModule): boolean {
  const stamp = path.join(binDir(), `.${mod.dir}.stamp`);
  if (!fs.existsSync(stamp) || fs.readFileSync(stamp, "utf8") !== moduleHash(mod)) return false;
  return mod.packages.every((p) => fs.existsSync(binaryPath(binaryName(p, mod)))) && dataFiles(mod).every((f) => fs.existsSync(f));
}

/**
 * Builds the modules that are not built yet, in order, printing one line per module. The build uses
 * go.sum as committed (-mod=readonly): a download that does not match it fails.
 */
export function buildModules(mods: readonly GoModule[], log: (line: string) => void = (l) => console.error(l)): void {
  fs.mkdirSync(binDir(), { recursive: true });
  for (const mod of mods) {
    if (isBuilt(mod)) {
      log(`cluster: ${mod.dir} already built (${mod.packages.map((p) => binaryName(p, mod)).join(", ")})`);
      continue;
    }
    const started = Date.now();
    log(`cluster: building ${mod.dir} (${mod.packages.map((p) => binaryName(p, mod)).join(", ")}) from the Go module proxy; minutes when Go's build cache is cold`);
    const cwd = repoPath("cluster", "go", mod.dir);
    for (const pkg of mod.packages) {
      execFileSync("go", ["build", "-mod=readonly", "-trimpath", `-ldflags=${LDFLAGS}`, "-o", binaryPath(binaryName(pkg, mod)), pkg], {
        cwd,
        stdio: ["ignore", "inherit", "inherit"],
      });
    }
    if (mod.data) {
      const src = execFileSync("go", ["list", "-mod=readonly", "-m", "-f", "{{.Dir}}", mod.data.module], { cwd, encoding: "utf8" }).trim();
      fs.mkdirSync(path.join(binDir(), mod.data.into), { recursive: true });
      const targets = dataFiles(mod);
      mod.data.files.forEach((f, i) => fs.copyFileSync(path.join(src, f), targets[i]));
    }
    fs.writeFileSync(path.join(binDir(), `.${mod.dir}.stamp`), moduleHash(mod));
    log(`cluster: built ${mod.dir} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
}

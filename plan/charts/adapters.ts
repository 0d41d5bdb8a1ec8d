// Which recorded resources are Helm charts, and how each one's inputs become a `helm template` request.
//
// Under the mock runtime a chart arrives as one resource with its inputs and no children. Each adapter
// reads those inputs the way the real provider does; another component that wraps a chart is one more
// entry in CHART_ADAPTERS.
import { REDACTED } from "../recorder";
import type { RecordedResource } from "../types";
import { asRecord } from "../../lib/records";

/** What `helm template` needs, straight from the inputs (not checked yet: see chartRequest). */
export interface RawChartRequest {
  chart: unknown;
  version: unknown;
  repo: unknown;
  namespace: unknown;
  /** Release name input; the resource's own name is used when it is absent. */
  name: unknown;
  values: unknown;
  skipCrds: unknown;
  /** Prefix of the children's names; the resource's name when absent. */
  resourcePrefix?: unknown;
  /** Inputs the offline plan cannot honour; set ones fail the plan with their name. */
  unsupported?: Record<string, unknown>;
}

export interface ChartAdapter {
  /** How messages name this kind of resource. */
  label: string;
  /**
   * Whether what deploys it runs the chart's install hooks: Helm does for a Release (so its hook
   * objects run in the cluster and are checked like the rest); helm.v4.Chart deploys only the
   * release manifest. Test hooks never run on install.
   */
  hooks: boolean;
  raw(inputs: Record<string, unknown>): RawChartRequest;
}

/** A chart request the plan can render. */
export interface ChartRequest {
  /** The recorded resource it came from. */
  source: { type: string; name: string; urn: string };
  /** Chart name, `oci://` reference or local path, as given. */
  chart: string;
  version: string;
  repo?: string;
  /** Release namespace ("default" when none is given, as the provider's default namespace). */
  namespace: string;
  releaseName: string;
  values: Record<string, unknown>;
  includeCrds: boolean;
  /** Render install hooks (Release-style installs) rather than drop them (helm.v4.Chart). */
  includeHooks: boolean;
  /** Children are named `<prefix>:<namespace>/<name>`; no prefix when it is "". */
  resourcePrefix: string;
}

/** The Helm inputs every chart-like resource spells the same way (helm.v4.Chart, helm.v3.Release, CertManager's helmOptions). */
function helmInputs(i: Record<string, unknown>) {
  return { chart: i.chart, version: i.version, repo: asRecord(i.repositoryOpts).repo, namespace: i.namespace, name: i.name, values: i.values, skipCrds: i.skipCrds };
}

/** helm.v4.Chart: rendered by the provider in the program's process, children registered as Pulumi resources. */
const helmV4Chart: ChartAdapter = {
  label: "helm.v4.Chart",
  hooks: false,
  raw: (i) => ({
    ...helmInputs(i),
    resourcePrefix: i.resourcePrefix,
    unsupported: { valueYamlFiles: i.valueYamlFiles, postRenderer: i.postRenderer },
  }),
};

/**
 * helm.v3.Release: Helm itself installs the objects, so in a real preview the policy pack sees only
 * the Release; the offline plan renders and checks them anyway, install hooks included (Helm runs
 * them). A real Release without `name` gets a random suffix on its name; the plan uses the resource's.
 */
const helmV3Release: ChartAdapter = {
  label: "helm.v3.Release",
  hooks: true,
  raw: (i) => ({
    ...helmInputs(i),
    unsupported: { valueYamlFiles: i.valueYamlFiles, postrender: i.postrender },
  }),
};

/**
 * @pulumi/kubernetes-cert-manager 0.2.0's CertManager: its provider creates a helm.v3.Release
 * "<name>-helm" from `helmOptions` (chart, version, repositoryOpts, namespace, name, values), with chart
 * "cert-manager" from https://charts.jetstack.io unless given, and every other input copied over the
 * top-level keys of `helmOptions.values`. The same Release caveat applies.
 */
const CERT_MANAGER_CHART = { chart: "cert-manager", repo: "https://charts.jetstack.io" };
const certManager: ChartAdapter = {
  label: "CertManager (@pulumi/kubernetes-cert-manager)",
  hooks: true,
  raw: (i) => {
    const helm = asRecord(i.helmOptions);
    const { helmOptions: _helmOptions, status: _status, ...typed } = i;
    const values = helm.values === REDACTED ? REDACTED : { ...asRecord(helm.values), ...typed };
    const given = helmInputs(helm);
    return {
      ...given,
      chart: given.chart ?? CERT_MANAGER_CHART.chart,
      repo: given.repo ?? CERT_MANAGER_CHART.repo,
      values,
      unsupported: { "helmOptions.valueYamlFiles": helm.valueYamlFiles, "helmOptions.postrender": helm.postrender },
    };
  },
};

/** Resource type -> adapter. */
export const CHART_ADAPTERS: Readonly<Record<string, ChartAdapter>> = {
  "kubernetes:helm.sh/v4:Chart": helmV4Chart,
  "kubernetes:helm.sh/v3:Release": helmV3Release,
  "kubernetes-cert-manager:index:CertManager": certManager,
};

export function isChart(r: RecordedResource): boolean {
  return Object.prototype.hasOwnProperty.call(CHART_ADAPTERS, r.type);
}

/** A problem with one chart's inputs; the plan fails with it. */
export class ChartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ChartError";
  }
}

/** Dotted paths of every "[secret]" in a value. */
export function redactedPaths(value: unknown, at = ""): string[] {
  if (value === REDACTED) return [at || "(the whole value)"];
  if (Array.isArray(value)) return value.flatMap((v, i) => redactedPaths(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => redactedPaths(v, at ? `${at}.${k}` : k));
  return [];
}

/** The inputs as a request to render, or a ChartError naming the chart and what is wrong. */
export function chartRequest(r: RecordedResource): ChartRequest {
  const adapter = CHART_ADAPTERS[r.type];
  if (!adapter) throw new ChartError(`${r.type} ${r.name} is not a chart type the plan renders`);
  const raw = adapter.raw(r.inputs);
  const what = `${adapter.label} "${r.name}"${typeof raw.chart === "string" ? ` (chart ${raw.chart}${typeof raw.version === "string" ? ` ${raw.version}` : ""})` : ""}`;

  const { unsupported, ...needed } = raw;
  const secret = redactedPaths(needed);
  if (secret.length > 0) {
    throw new ChartError(
      `${what} cannot be rendered: ${secret.map((p) => (p.startsWith("(") ? p : `input ${p}`)).join(", ")} ${secret.length > 1 ? "are" : "is"} secret. ` +
        "Credentials must reach a chart by Secret reference (the chart's existingSecret-style values naming a Kubernetes Secret), never as values: " +
        "Helm would write them into the rendered objects and the release's stored values.",
    );
  }
  const set = Object.entries(unsupported ?? {}).filter(([, v]) => v !== undefined && v !== null);
  if (set.length > 0) throw new ChartError(`${what}: ${set.map(([k]) => k).join(", ")} ${set.length > 1 ? "are" : "is"} not supported by the offline plan; pass values instead`);

  const str = (v: unknown, key: string): string | undefined => {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") throw new ChartError(`${what}: input ${key} must be a string, got ${JSON.stringify(v)}`);
    return v;
  };
  const chart = str(raw.chart, "chart");
  if (!chart) throw new ChartError(`${what}: no chart given`);
  const version = str(raw.version, "version");
  if (!version) {
    throw new ChartError(`${what}: no chart version. The offline plan renders pinned charts only (and an unpinned chart installs whatever is newest): set version to the exact chart version.`);
  }
  const values = raw.values ?? {};
  if (typeof values !== "object" || Array.isArray(values)) throw new ChartError(`${what}: values must be an object`);
  const namespace = str(raw.namespace, "namespace") || "default";
  const prefix = str(raw.resourcePrefix, "resourcePrefix");
  return {
    source: { type: r.type, name: r.name, urn: r.urn },
    chart,
    version,
    repo: str(raw.repo, "repositoryOpts.repo") || undefined,
    namespace,
    releaseName: str(raw.name, "name") || r.name,
    values: values as Record<string, unknown>,
    includeCrds: !(raw.skipCrds === true || raw.skipCrds === "true"),
    includeHooks: adapter.hooks,
    resourcePrefix: prefix ?? r.name,
  };
}

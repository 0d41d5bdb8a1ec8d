// Records every resource the program registers with the mock monitor, in registration order, secrets redacted.
import * as pulumi from "@pulumi/pulumi";
import { RecordedResource } from "./types";

// The envelope Pulumi's RPC layer wraps special values in (secrets, resource references, assets).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const REDACTED = "[secret]";

/**
 * A Kubernetes Secret's `data` and `stringData` as "[secret]", whether or not the program marked them
 * secret: the provider always does, and a plan must never hold their values.
 */
export function redactSecretObject<T extends Record<string, unknown>>(obj: T): T {
  if (obj.apiVersion !== "v1" || obj.kind !== "Secret") return obj;
  const out: Record<string, unknown> = { ...obj };
  for (const key of ["data", "stringData"]) if (key in out) out[key] = REDACTED;
  return out as T;
}

/** Replaces every secret envelope by "[secret]" and resource references by their URN. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== "object") return value;
  const obj = value as Record<string, unknown>;
  if (obj[SIG_KEY] === SECRET_SIG) return REDACTED;
  if (obj[SIG_KEY] === RESOURCE_REF_SIG) return { $ref: obj.urn };
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, redact(v)]));
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getObject(): unknown;
  getProtect(): boolean | undefined;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
  getDependenciesList(): string[];
}
interface RegisterResponse {
  getUrn(): string;
}
type Callback = (err: Error | null, resp?: RegisterResponse) => void;
interface OutputsRequest {
  getUrn(): string;
  getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface Monitor {
  registerResource(req: RegisterRequest, cb: Callback): void;
  registerResourceOutputs(req: OutputsRequest, cb: (err: Error | null, resp?: unknown) => void): void;
}

interface Pending {
  record: RecordedResource;
  parentUrn: string;
}

export interface Recorder {
  /** Records in registration order, parents resolved to names. */
  resources(): RecordedResource[];
}

/** Wraps the mock monitor's registerResource. Call after setMocks and before the program is imported. */
export function attachRecorder(): Recorder {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rpc = require("@pulumi/pulumi/runtime/rpc") as { deserializeProperties(o: unknown): Record<string, unknown> };
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor | undefined;
  if (!monitor) throw new Error("attachRecorder: no monitor; call pulumi.runtime.setMocks first");
  const pending: Pending[] = [];
  const byUrn = new Map<string, RecordedResource>();
  const original = monitor.registerResource.bind(monitor);

  monitor.registerResource = (req: RegisterRequest, cb: Callback) => {
    const record: RecordedResource = {
      type: req.getType(),
      name: req.getName(),
      parent: null,
      parentType: null,
      component: !req.getCustom(),
      inputs: redactSecretObject(redact(rpc.deserializeProperties(req.getObject())) as Record<string, unknown>),
      urn: "",
    };
    const options: NonNullable<RecordedResource["options"]> = {};
    if (req.getProtect()) options.protect = true;
    if (req.getRetainondelete()) options.retainOnDelete = true;
    if (req.getDeletebeforereplace()) options.deleteBeforeReplace = true;
    if (req.getIgnorechangesList().length > 0) options.ignoreChanges = req.getIgnorechangesList();
    if (Object.keys(options).length > 0) record.options = options;
    const dependencies = req.getDependenciesList();
    if (dependencies.length > 0) record.dependencies = [...new Set(dependencies)];
    const provider = req.getProvider();
    // A provider reference is "<urn>::<id>", and URNs contain "::" themselves.
    if (provider) record.provider = provider.slice(0, provider.lastIndexOf("::"));
    pending.push({ record, parentUrn: req.getParent() });
    original(req, (err, resp) => {
      if (!err && resp) {
        record.urn = resp.getUrn();
        byUrn.set(record.urn, record);
      }
      cb(err, resp);
    });
  };

  // A component's explicit registerOutputs({...}) arrives first; the SDK's own empty call after the
  // constructor only counts when the component never registered anything.
  const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    const record = byUrn.get(req.getUrn());
    if (record && record.registeredOutputs === undefined) {
      const keys = Object.keys(req.getOutputs()?.toJavaScript() ?? {});
      if (keys.length > 0) record.registeredOutputs = keys;
    }
    originalOutputs(req, cb);
  };

  const resolve = () =>
    pending.map(({ record, parentUrn }) => {
      const parent = parentUrn ? byUrn.get(parentUrn) : undefined;
      record.parent = parent?.name ?? null;
      record.parentType = parent?.type ?? null;
      if (record.provider) record.provider = byUrn.get(record.provider)?.name ?? record.provider;
      return record;
    });

  return { resources: resolve };
}

// The few Kubernetes API calls the cluster check makes (discovery, server-side apply, get, list,
// create), over HTTPS with a kubeconfig's credentials: client certificates, a bearer token, or an
// exec credential plugin (as `aws eks get-token` is used on EKS).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as https from "https";
import * as jsyaml from "js-yaml";
import * as path from "path";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface ApiResponse {
  status: number;
  body: string;
}

/** A Kubernetes API error: the status and the API server's message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

interface Resource {
  plural: string;
  namespaced: boolean;
}

interface NamedEntry<T> {
  name: string;
  cluster?: T;
  user?: T;
  context?: T;
}

function readMaybe(base: string, file: unknown, inline: unknown): Buffer | undefined {
  if (typeof inline === "string") return Buffer.from(inline, "base64");
  if (typeof file === "string") return fs.readFileSync(path.resolve(base, file));
  return undefined;
}

export class KubeClient {
  private readonly agent: https.Agent;
  private readonly discovery = new Map<string, Map<string, Resource>>();

  private constructor(
    readonly server: string,
    tls: https.AgentOptions,
    private readonly token: () => string | undefined,
  ) {
    this.agent = new https.Agent({ ...tls, keepAlive: true, maxSockets: 8 });
  }

  /** A client for the kubeconfig's current context (or the one named). */
  static fromKubeconfig(file: string, contextName?: string): KubeClient {
    const base = path.dirname(path.resolve(file));
    const cfg = jsyaml.load(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
    const list = <T>(key: string) => (Array.isArray(cfg[key]) ? (cfg[key] as NamedEntry<T>[]) : []);
    const ctxName = contextName ?? (cfg["current-context"] as string | undefined);
    const ctx = list<Record<string, string>>("contexts").find((c) => c.name === ctxName)?.context;
    if (!ctx) throw new Error(`kubeconfig ${file}: no context ${JSON.stringify(ctxName ?? "")}`);
    const cluster = list<Record<string, unknown>>("clusters").find((c) => c.name === ctx.cluster)?.cluster;
    if (!cluster || typeof cluster.server !== "string") throw new Error(`kubeconfig ${file}: context ${ctxName} names cluster ${ctx.cluster}, which has no server`);
    const user = list<Record<string, unknown>>("users").find((u) => u.name === ctx.user)?.user ?? {};
    const tls: https.AgentOptions = {
      ca: readMaybe(base, cluster["certificate-authority"], cluster["certificate-authority-data"]),
      rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
      cert: readMaybe(base, user["client-certificate"], user["client-certificate-data"]),
      key: readMaybe(base, user["client-key"], user["client-key-data"]),
      servername: typeof cluster["tls-server-name"] === "string" ? cluster["tls-server-name"] : undefined,
    };
    let token: () => string | undefined = () => undefined;
    if (typeof user.token === "string") {
      const t = user.token;
      token = () => t;
    } else if (typeof user.tokenFile === "string") {
      const f = path.resolve(base, user.tokenFile);
      token = () => fs.readFileSync(f, "utf8").trim();
    } else if (user.exec && typeof user.exec === "object") {
      const exec = user.exec as { command: string; args?: string[]; env?: { name: string; value: string }[] };
      let cached: { token: string; expires: number } | undefined;
      token = () => {
        if (cached && cached.expires > Date.now() + 30_000) return cached.token;
        const env = { ...process.env, ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])) };
        const out = JSON.parse(execFileSync(exec.command, exec.args ?? [], { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] })) as {
          status?: { token?: string; expirationTimestamp?: string };
        };
        if (!out.status?.token) throw new Error(`kubeconfig ${file}: the exec plugin ${exec.command} gave no token`);
        cached = { token: out.status.token, expires: out.status.expirationTimestamp ? Date.parse(out.status.expirationTimestamp) : Date.now() + 60_000 };
        return cached.token;
      };
    }
    return new KubeClient(cluster.server.replace(/\/+$/, ""), tls, token);
  }

  /** One request; the body as text, whatever the status. */
  raw(method: string, urlPath: string, body?: string, contentType = "application/json"): Promise<ApiResponse> {
    const url = new URL(this.server + urlPath);
    const headers: Record<string, string> = { accept: "application/json" };
    const t = this.token();
    if (t) headers.authorization = `Bearer ${t}`;
    if (body !== undefined) {
      headers["content-type"] = contentType;
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method, headers, agent: this.agent, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: no answer in 30 s`)));
      req.on("error", reject);
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /** A request whose answer must be 2xx; an API error otherwise, with the server's message. */
  async json<T = unknown>(method: string, urlPath: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.raw(method, urlPath, body === undefined ? undefined : JSON.stringify(body), contentType);
    if (res.status >= 200 && res.status < 300) return JSON.parse(res.body) as T;
    let reason = "";
    let message = res.body.slice(0, 2000);
    try {
      const s = JSON.parse(res.body) as { reason?: string; message?: string };
      reason = s.reason ?? "";
      message = s.message ?? message;
    } catch {
      // not a Status object: keep the text
    }
    throw new ApiError(res.status, reason, message);
  }

  /** Fails at once, with the reason, when the server does not accept the credentials (instead of one refusal per object). */
  async checkAccess(): Promise<void> {
    const res = await this.raw("GET", "/api");
    if (res.status === 401) throw new ApiError(401, "Unauthorized", `${this.server} refused the kubeconfig's credentials (401 Unauthorized)`);
    if (res.status === 403) throw new ApiError(403, "Forbidden", `${this.server} accepted the credentials but forbids reading its API (403 Forbidden)`);
    if (res.status !== 200) throw new ApiError(res.status, "", `${this.server} answered GET /api with ${res.status}`);
  }

  /** Forgets what discovery found (after CRDs were added). */
  resetDiscovery(): void {
    this.discovery.clear();
  }

  /** The resource (plural, scope) of a kind, from API discovery; undefined when the server does not serve it. */
  async resource(apiVersion: string, kind: string): Promise<Resource | undefined> {
    let kinds = this.discovery.get(apiVersion);
    if (!kinds) {
      const res = await this.raw("GET", apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new ApiError(res.status, "", `discovery of ${apiVersion}: ${res.body.slice(0, 500)}`);
      const list = JSON.parse(res.body) as { resources: { name: string; kind: string; namespaced: boolean }[] };
      kinds = new Map(list.resources.filter((r) => !r.name.includes("/")).map((r) => [r.kind, { plural: r.name, namespaced: r.namespaced }]));
      this.discovery.set(apiVersion, kinds);
    }
    return kinds.get(kind);
  }

  /** The URL path of an object (or of its collection, with name undefined). */
  async path(apiVersion: string, kind: string, namespace: string | undefined, name?: string): Promise<string> {
    const r = await this.resource(apiVersion, kind);
    if (!r) throw new ApiError(404, "NotFound", `the server does not serve ${kind} in ${apiVersion}`);
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = r.namespaced ? `/namespaces/${encodeURIComponent(namespace ?? "default")}` : "";
    return `${base}${ns}/${r.plural}${name === undefined ? "" : `/${encodeURIComponent(name)}`}`;
  }

  /** Server-side apply, as `pulumi up` applies (field manager "ods-cluster-check"); dryRun asks the server to admit it without storing it. */
  async apply(obj: KubeObject, opts: { dryRun?: boolean } = {}): Promise<KubeObject> {
    const p = await this.path(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    const q = `?fieldManager=ods-cluster-check&force=true${opts.dryRun ? "&dryRun=All" : ""}`;
    return this.json<KubeObject>("PATCH", p + q, obj, "application/apply-patch+yaml");
  }

  async get<T = KubeObject>(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<T | undefined> {
    const res = await this.raw("GET", await this.path(apiVersion, kind, namespace, name));
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new ApiError(res.status, "", `GET ${kind} ${name}: ${res.body.slice(0, 500)}`);
    return JSON.parse(res.body) as T;
  }

  /** Every object of a kind (in a namespace, or in all). */
  async list<T = KubeObject>(apiVersion: string, kind: string, namespace?: string): Promise<T[]> {
    const r = await this.resource(apiVersion, kind);
    if (!r) return [];
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
    return (await this.json<{ items: T[] }>("GET", `${base}${ns}/${r.plural}`)).items;
  }

  close(): void {
    this.agent.destroy();
  }
}

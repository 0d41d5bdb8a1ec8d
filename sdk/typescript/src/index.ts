// Datasets through the data API, for TypeScript: the same calls as the Python module cube_sdk. Object
// bytes come from the object store through short-lived presigned URLs, never through the API.

export interface ClientOptions {
  /** The data API's base URL, e.g. https://data.example.com. */
  baseUrl: string;
  /** A bearer token from the platform realm; or the client credentials below. */
  token?: string;
  tokenUrl?: string;
  clientId?: string;
  clientSecret?: string;
  /** Per request, in milliseconds (default 30 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class DataApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly field?: string,
  ) {
    super(`${status} ${code}: ${message}${requestId ? ` (request id ${requestId})` : ""}`);
    this.name = "DataApiError";
  }
}

export interface Column {
  name: string;
  type: string;
  description?: string;
}

export interface DatasetRecord {
  id: string;
  name: string;
  path: string;
  description: string | null;
  format: string | null;
  columns: Column[];
  tags: string[];
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
  last_modified: string | null;
}

export class Client {
  private token?: string;
  private expiresAt = 0;
  private readonly f: typeof fetch;

  constructor(private readonly o: ClientOptions) {
    if (!/^https?:\/\//.test(o.baseUrl)) throw new Error("baseUrl must be an http(s) URL, e.g. https://data.example.com");
    if (!o.token && !(o.tokenUrl && o.clientId && o.clientSecret)) throw new Error("a token is needed: token, or tokenUrl with clientId and clientSecret");
    this.token = o.token;
    this.expiresAt = o.token ? Infinity : 0;
    this.f = o.fetch ?? fetch;
  }

  /** ODS_DATA_API_URL and ODS_API_TOKEN, or ODS_TOKEN_URL, ODS_CLIENT_ID and ODS_CLIENT_SECRET. */
  static fromEnv(env: Record<string, string | undefined> = process.env): Client {
    if (!env.ODS_DATA_API_URL) throw new Error("ODS_DATA_API_URL is not set (the data API's base URL)");
    return new Client({ baseUrl: env.ODS_DATA_API_URL, token: env.ODS_API_TOKEN || undefined, tokenUrl: env.ODS_TOKEN_URL, clientId: env.ODS_CLIENT_ID, clientSecret: env.ODS_CLIENT_SECRET });
  }

  private signal(): AbortSignal {
    return AbortSignal.timeout(this.o.timeoutMs ?? 30000);
  }

  private async bearer(): Promise<string> {
    if (!this.token || Date.now() >= this.expiresAt) {
      const res = await this.f(this.o.tokenUrl as string, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: this.o.clientId as string, client_secret: this.o.clientSecret as string }),
        signal: this.signal(),
      });
      const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
      if (!res.ok || !body.access_token) throw new DataApiError(res.status, "token_request_failed", body.error_description ?? body.error ?? `HTTP ${res.status}`);
      this.token = body.access_token;
      const life = body.expires_in ?? 60;
      this.expiresAt = Date.now() + Math.max(life - 30, life / 2) * 1000;
    }
    return `Bearer ${this.token}`;
  }

  async request<T>(method: string, path: string, body?: unknown, query?: Record<string, string | number | undefined>): Promise<T> {
    const url = new URL(this.o.baseUrl.replace(/\/$/, "") + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const res = await this.f(url, {
      method,
      headers: { accept: "application/json", authorization: await this.bearer(), ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: this.signal(),
    });
    const text = await res.text();
    if (!res.ok) {
      let e: { code?: string; message?: string; request_id?: string; field?: string } = {};
      try {
        e = (JSON.parse(text) as { error?: typeof e }).error ?? {};
      } catch {
        e = {};
      }
      throw new DataApiError(res.status, e.code ?? "error", e.message ?? `HTTP ${res.status}`, e.request_id, e.field);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** GET a presigned URL (no Authorization header: the signature is the credential). */
  async fetchObject(url: string): Promise<Uint8Array> {
    const res = await this.f(url, { signal: this.signal() });
    if (!res.ok) throw new DataApiError(res.status, "object_fetch_failed", `the object store answered ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  async putObject(url: string, data: Uint8Array | string): Promise<void> {
    const res = await this.f(url, { method: "PUT", body: data, headers: { "content-type": "application/octet-stream" }, signal: this.signal() });
    if (!res.ok) throw new DataApiError(res.status, "object_upload_failed", `the object store answered ${res.status}`);
  }
}

export class Dataset {
  private constructor(
    readonly record: DatasetRecord,
    private readonly client: Client,
  ) {}

  get id(): string {
    return this.record.id;
  }

  static async get(id: string, client: Client = Client.fromEnv()): Promise<Dataset> {
    return new Dataset(await client.request<DatasetRecord>("GET", `/api/v1/datasets/${encodeURIComponent(id)}`), client);
  }

  static async list(q: { limit?: number; offset?: number; name?: string; tag?: string } = {}, client: Client = Client.fromEnv()): Promise<Dataset[]> {
    const page = await client.request<{ items: DatasetRecord[] }>("GET", "/api/v1/datasets", undefined, q);
    return page.items.map((r) => new Dataset(r, client));
  }

  static async register(d: { name: string; path: string; description?: string; format?: string; tags?: string[] }, client: Client = Client.fromEnv()): Promise<Dataset> {
    return new Dataset(await client.request<DatasetRecord>("POST", "/api/v1/datasets", d), client);
  }

  /** Every object under the dataset's prefix (keys relative to it), in key order. */
  async *objects(pageSize = 1000): AsyncGenerator<ObjectInfo> {
    let after: string | undefined;
    do {
      const page = await this.client.request<{ items: ObjectInfo[]; next: string | null }>("GET", `/api/v1/datasets/${this.id}/objects`, undefined, { limit: pageSize, after });
      yield* page.items;
      after = page.next ?? undefined;
    } while (after);
  }

  /** A presigned URL for one of the dataset's objects (PUT needs write access). */
  async url(key: string, method: "GET" | "PUT" = "GET", expiresIn = 300): Promise<string> {
    return (await this.client.request<{ url: string }>("POST", `/api/v1/datasets/${this.id}/presign`, { key, method, expires_in: expiresIn })).url;
  }

  /** One object's bytes, or every object's concatenated in key order. */
  async readBytes(key?: string): Promise<Uint8Array> {
    const keys: string[] = [];
    if (key !== undefined) keys.push(key);
    else for await (const o of this.objects()) keys.push(o.key);
    const parts = await Promise.all(keys.map(async (k) => this.client.fetchObject(await this.url(k))));
    return Buffer.concat(parts);
  }

  async read(key?: string): Promise<string> {
    return new TextDecoder("utf-8").decode(await this.readBytes(key));
  }

  async write(key: string, data: Uint8Array | string): Promise<void> {
    await this.client.putObject(await this.url(key, "PUT"), data);
  }
}

// Data access without handing out keys: short-lived presigned URLs scoped to one dataset's prefix, a
// preview of an object's first bytes and a listing, through the AWS SDK's S3 client. The object
// store's own credentials stay in this process.
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { keyProblem } from "./datasets";

/** Presigned URLs live at most this long (seconds). */
export const MAX_PRESIGN_SECONDS = 900;
export const DEFAULT_PRESIGN_SECONDS = 300;
/** A preview returns at most this many bytes. */
export const MAX_PREVIEW_BYTES = 65536;

export class KeyError extends Error {}

/** The full key of a key relative to a dataset's prefix, refused when it would leave the prefix. */
export function objectKey(prefix: string, relative: string): string {
  const problem = keyProblem(relative);
  if (problem) throw new KeyError(problem);
  return `${prefix}${relative}`;
}

export interface ObjectInfo {
  key: string;
  size: number;
  last_modified: string | null;
}

export class Storage {
  readonly client: S3Client;

  constructor(
    s3: { endpoint?: string; region: string; pathStyle: boolean },
    readonly bucket: string,
  ) {
    this.client = new S3Client({ endpoint: s3.endpoint, region: s3.region, forcePathStyle: s3.pathStyle });
  }

  async presign(prefix: string, relative: string, method: "GET" | "PUT", seconds: number): Promise<{ url: string; expires_at: string }> {
    const Key = objectKey(prefix, relative);
    const expiresIn = Math.min(Math.max(1, Math.floor(seconds)), MAX_PRESIGN_SECONDS);
    const command = method === "GET" ? new GetObjectCommand({ Bucket: this.bucket, Key }) : new PutObjectCommand({ Bucket: this.bucket, Key });
    const url = await getSignedUrl(this.client, command, { expiresIn });
    return { url, expires_at: new Date(Date.now() + expiresIn * 1000).toISOString() };
  }

  /** Objects under the dataset's prefix (keys relative to it), at most `limit`, after `after` (a relative key). */
  async list(prefix: string, limit: number, after?: string): Promise<{ items: ObjectInfo[]; next: string | null }> {
    const out = await this.client.send(
      new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, MaxKeys: limit, StartAfter: after ? objectKey(prefix, after) : undefined }),
    );
    const items = (out.Contents ?? []).map((o) => ({ key: (o.Key ?? "").slice(prefix.length), size: Number(o.Size ?? 0), last_modified: o.LastModified ? o.LastModified.toISOString() : null }));
    return { items, next: out.IsTruncated && items.length > 0 ? items[items.length - 1].key : null };
  }

  /** The first `bytes` bytes of an object: UTF-8 text when they decode as such, else base64. */
  async preview(prefix: string, relative: string, bytes: number): Promise<{ key: string; bytes: number; encoding: "utf-8" | "base64"; content: string; size: number | null }> {
    const Key = objectKey(prefix, relative);
    const n = Math.min(Math.max(1, Math.floor(bytes)), MAX_PREVIEW_BYTES);
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range: `bytes=0-${n - 1}` }));
    const body = Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array());
    const size = out.ContentRange ? Number(/\/(\d+)$/.exec(out.ContentRange)?.[1] ?? NaN) : out.ContentLength ?? null;
    let text: string | undefined;
    // A multi-byte character cut at the end is not binary: drop up to 3 trailing bytes and decode again.
    for (let cut = 0; cut <= Math.min(3, body.length) && text === undefined; cut++) {
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(body.subarray(0, body.length - cut));
      } catch {
        text = undefined;
      }
    }
    // eslint-disable-next-line no-control-regex -- binary content shows as base64, not as control characters
    const binary = text === undefined || /[\u0000-\u0008\u000e-\u001f]/.test(text);
    return { key: relative, bytes: body.length, encoding: binary ? "base64" : "utf-8", content: binary ? body.toString("base64") : (text as string), size: Number.isFinite(size) ? size : null };
  }
}

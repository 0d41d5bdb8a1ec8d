// A throwaway password-protected Redis (no persistence) on 127.0.0.1 for the services' integration tests.
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { launch, secret, tempDir } from "./index";

export interface RedisBackend {
  host: string;
  port: number;
  password: string;
  /** Shuts the server down and removes its folder. */
  stop(): Promise<void>;
}

/** A RESP reply: simple and bulk strings, integers, nil (null), arrays, and errors (not thrown). */
export type RespValue = string | number | null | RespValue[] | { error: string };

/** Parses one reply from buf at offset: [value, next offset], or undefined while incomplete. */
function parseReply(buf: Buffer, offset: number): [RespValue, number] | undefined {
  const lineEnd = buf.indexOf("\r\n", offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[offset]);
  const line = buf.toString("utf8", offset + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case "+":
      return [line, next];
    case "-":
      return [{ error: line }, next];
    case ":":
      return [Number(line), next];
    case "$": {
      const len = Number(line);
      if (len < 0) return [null, next];
      if (buf.length < next + len + 2) return undefined;
      return [buf.toString("utf8", next, next + len), next + len + 2];
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at);
        if (!item) return undefined;
        items.push(item[0]);
        at = item[1];
      }
      return [items, at];
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}

function encodeCommand(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;
}

/**
 * Sends commands over one new connection (pipelined, in order) and returns one reply per command;
 * an error reply is a value ({ error }), not a rejection. E.g. [["AUTH", pw], ["SET", "k", "v"], ["GET", "k"]].
 */
export function redisCommands(to: { host: string; port: number }, commands: readonly (readonly string[])[], timeoutMs = 3000): Promise<RespValue[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: to.host, port: to.port });
    let buf = Buffer.alloc(0);
    const replies: RespValue[] = [];
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error(`redis ${to.host}:${to.port}: no complete reply within ${timeoutMs} ms`)));
    socket.once("error", fail);
    socket.once("connect", () => socket.write(commands.map(encodeCommand).join("")));
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        for (let r = parseReply(buf, 0); r; r = buf.length > 0 ? parseReply(buf, 0) : undefined) {
          replies.push(r[0]);
          buf = buf.subarray(r[1]);
        }
      } catch (err) {
        return fail(err as Error);
      }
      if (replies.length >= commands.length) {
        socket.end();
        resolve(replies);
      }
    });
    socket.once("close", () => {
      if (replies.length < commands.length) reject(new Error(`redis ${to.host}:${to.port} closed the connection after ${replies.length} of ${commands.length} replies`));
    });
  });
}

/** Starts redis-server on a free 127.0.0.1 port: generated password, no RDB or AOF files. */
export async function startRedis(opts: { timeoutMs?: number } = {}): Promise<RedisBackend> {
  const dir = tempDir("redis");
  const log = path.join(dir, "redis.log");
  const password = secret();
  // The password goes in a 0600 file rather than on the command line, where `ps` would show it.
  const config = path.join(dir, "redis.conf");
  fs.writeFileSync(config, `bind 127.0.0.1\nprotected-mode yes\ndaemonize no\nlogfile ""\ndir ${dir}\nrequirepass ${password}\n`, { mode: 0o600 });
  const server = await launch({
    name: "redis",
    dir,
    command: "redis-server",
    args: (port) => [config, "--port", String(port), "--save", "", "--appendonly", "no"],
    log,
    secrets: [password],
    timeoutMs: opts.timeoutMs ?? 30000,
    ready: async (port) => {
      const [auth, ping] = await redisCommands({ host: "127.0.0.1", port }, [["AUTH", password], ["PING"]], 2000);
      if (auth !== "OK" || ping !== "PONG") throw new Error(`AUTH + PING answered ${JSON.stringify([auth, ping])}`);
    },
  });
  return { host: "127.0.0.1", port: server.port, password, stop: server.stop };
}

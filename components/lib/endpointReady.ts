// A resource whose creation waits until a TCP endpoint accepts connections. Providers that talk to a
// server the same `pulumi up` creates (@pulumi/minio, @pulumi/mysql) take their endpoint from its
// outputs, so they are configured only once the server answers. Preview never runs `create`, so a
// preview never connects anywhere.
import * as pulumi from "@pulumi/pulumi";

export interface EndpointReadyInputs {
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  /** Give up after this many seconds. */
  timeoutSeconds: pulumi.Input<number>;
}

interface Plain {
  host: string;
  port: number;
  timeoutSeconds: number;
}

/** Tries a TCP connection every few seconds until one succeeds or the time is up. */
async function waitForTcp(host: string, port: number, timeoutSeconds: number): Promise<void> {
  // Required inside the function: the dynamic provider is serialized and runs in its own process.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const net = require("net") as typeof import("net");
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last = "";
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      const done = (result: boolean, why = "") => {
        last = why;
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(5000, () => done(false, "timed out"));
      socket.once("connect", () => done(true));
      socket.once("error", (e: Error) => done(false, e.message));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${host}:${port} did not accept connections within ${timeoutSeconds} s (last error: ${last})`);
    await new Promise((r) => setTimeout(r, 5000));
  }
}

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: Plain) {
    await waitForTcp(inputs.host, inputs.port, inputs.timeoutSeconds);
    return { id: `${inputs.host}:${inputs.port}`, outs: inputs };
  },
  async diff(_id: string, olds: Plain, news: Plain) {
    const replaces = olds.host !== news.host || olds.port !== news.port ? ["host", "port"] : [];
    return { changes: replaces.length > 0 || olds.timeoutSeconds !== news.timeoutSeconds, replaces };
  },
  async update(_id: string, _olds: Plain, news: Plain) {
    return { outs: news };
  },
};

export class EndpointReady extends pulumi.dynamic.Resource {
  declare readonly host: pulumi.Output<string>;
  declare readonly port: pulumi.Output<number>;

  constructor(name: string, args: EndpointReadyInputs, opts?: pulumi.CustomResourceOptions) {
    super(provider, name, { ...args }, opts);
  }
}

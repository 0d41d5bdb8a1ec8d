// `npm run llm-target`: the local OpenAI-compatible streaming target of the load tests, run by hand.
import { FlagSpec, runCli, UsageError } from "../lib/cli";
import { DEFAULT_TARGET, startTarget, TargetConfig } from "../loadtests/fixtures/llm-target/server";

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const flags = Object.fromEntries(
  Object.entries(DEFAULT_TARGET).map(([key, def]) => [kebab(key), { value: true, default: String(def), placeholder: typeof def === "number" ? "N" : typeof def === "boolean" ? "true|false" : "TEXT", help: `target setting ${key}` } satisfies FlagSpec]),
);

runCli({ command: "npm run llm-target --", summary: "Serves chat completions (SSE), vLLM-style /metrics, a data API, Milvus search and a token endpoint with the given latencies.", flags }, async ({ values }) => {
  const config: Partial<TargetConfig> = {};
  for (const [key, def] of Object.entries(DEFAULT_TARGET)) {
    const text = values[kebab(key)]!;
    let value: unknown = text;
    if (typeof def === "number") {
      value = Number(text);
      if (!Number.isFinite(value)) throw new UsageError(`--${kebab(key)} ${JSON.stringify(text)}: allowed: a number`);
    } else if (typeof def === "boolean") {
      if (text !== "true" && text !== "false") throw new UsageError(`--${kebab(key)} ${JSON.stringify(text)}: allowed: true or false`);
      value = text === "true";
    }
    Object.assign(config, { [key]: value });
  }
  const t = await startTarget(config);
  console.log(`target listening on ${t.url} with ${JSON.stringify(t.config)}`);
  return new Promise<number>((resolve) => {
    const stop = () => void t.close().then(() => resolve(0));
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
});

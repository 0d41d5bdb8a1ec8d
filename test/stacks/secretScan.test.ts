// No secret value appears anywhere in any stack's plan: declared inputs, rendered chart objects, Helm
// values, ConfigMaps, env literals and args. Every generated password has a recognisable mock value
// (plan/mocks.ts), so one that escapes its Secret is found wherever it lands.
import { MOCK_SECRET_MARK } from "../../plan/mocks";
import { cachedPlan } from "../../plan/planCache";
import { RecordedResource } from "../../plan/types";
import { allStrings, ofType } from "../harness";

/** Where a string containing the mark sits: "<type> <name> <path>". */
function leaks(resources: RecordedResource[]): string[] {
  const found: string[] = [];
  const walk = (v: unknown, where: string, path: string) => {
    if (typeof v === "string") {
      if (v.includes(MOCK_SECRET_MARK)) found.push(`${where} ${path}`);
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, where, `${path}[${i}]`));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, where, path ? `${path}.${k}` : k);
  };
  for (const r of resources) {
    // A RandomPassword's own state is where the value is born; nothing else may hold it.
    if (r.type === "random:index/randomPassword:RandomPassword") continue;
    walk(r.inputs, `${r.type} ${r.name}`, "");
  }
  return found;
}

describe.each(["local", "dev", "staging", "prod"])("stack %s", (stack) => {
  let resources: RecordedResource[];
  beforeAll(async () => {
      resources = (await cachedPlan(stack)).resources;
  });

  test("generates its passwords, and none of them appears in any input or rendered object", () => {
    expect(ofType(resources, "random:index/randomPassword:RandomPassword").length).toBeGreaterThan(5);
    expect(leaks(resources)).toEqual([]);
  });

  test("the scan finds a password planted in a ConfigMap, an env literal and a chart's values", () => {
    const planted: RecordedResource[] = [
      { ...resources[0], type: "kubernetes:core/v1:ConfigMap", name: "planted-cm", inputs: { data: { url: `mysql://u:${MOCK_SECRET_MARK}x@db` } } },
      { ...resources[0], type: "kubernetes:apps/v1:Deployment", name: "planted-env", inputs: { spec: { template: { spec: { containers: [{ env: [{ name: "DB_PASSWORD", value: `${MOCK_SECRET_MARK}y` }] }] } } } } },
      { ...resources[0], type: "kubernetes:helm.sh/v4:Chart", name: "planted-chart", inputs: { values: { auth: { password: `${MOCK_SECRET_MARK}z` } } } },
    ];
    expect(leaks([...resources, ...planted])).toEqual([
      "kubernetes:core/v1:ConfigMap planted-cm data.url",
      "kubernetes:apps/v1:Deployment planted-env spec.template.spec.containers[0].env[0].value",
      "kubernetes:helm.sh/v4:Chart planted-chart values.auth.password",
    ]);
  });

  test("every Secret the data layer declares is redacted in the plan", () => {
    const secrets = ofType(resources, "kubernetes:core/v1:Secret").filter((s) => !s.parentType?.startsWith("kubernetes:helm"));
    expect(secrets.length).toBeGreaterThan(3);
    for (const s of secrets) expect(allStrings(s.inputs.stringData ?? {}).every((v) => v === "[secret]")).toBe(true);
  });
});

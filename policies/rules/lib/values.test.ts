import { unknownCheckingProxy } from "@pulumi/policy";
import { check } from "../../test/harness";
import { container, DEPLOYMENT, deployment } from "../../test/fixtures";
import { noPrivilegeEscalation } from "../k8s-security-context";
import { at, hasUnknown, isUnknown, plain, UNKNOWN } from "./values";

// The sentinel the engine sends for an unknown boolean during preview.
const UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7";

describe("unknown values", () => {
  it("recognises every engine sentinel and stops walks at them", () => {
    expect(isUnknown(UNKNOWN)).toBe(true);
    expect(isUnknown(UNKNOWN_BOOL)).toBe(true);
    expect(isUnknown("04da6b54")).toBe(false);
    expect(at({ a: UNKNOWN }, "a", "b", "c")).toBe(UNKNOWN);
    expect(at({ a: { b: 1 } }, "a", "x")).toBeUndefined();
    expect(hasUnknown({ a: [{ b: UNKNOWN }] })).toBe(true);
  });
  it("unwraps the pack server's proxy so rules can read unknown values without it throwing", async () => {
    const props = deployment({ containers: [container({ securityContext: { allowPrivilegeEscalation: UNKNOWN_BOOL } })] });
    const proxied = unknownCheckingProxy(props);
    expect(() => at(proxied, "spec", "template", "spec", "containers", 0, "securityContext", "allowPrivilegeEscalation")).toThrow("can't be known during preview");
    expect(plain(proxied)).toBe(props);
    expect(await check(noPrivilegeEscalation, DEPLOYMENT, proxied)).toEqual([]);
    const escalating = unknownCheckingProxy(deployment({ containers: [container({ securityContext: {} })] }));
    expect(await check(noPrivilegeEscalation, DEPLOYMENT, escalating)).toHaveLength(1);
  });
});

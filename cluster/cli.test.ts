// The command lines' bad input: refused with exit 2 and the reason, before anything starts.
import { cliMain, UsageError } from "../lib/cli";
import { CLUSTER_CHECK_CLI, clusterAction, clusterCheckMain } from "./cli";

const run = async (argv: string[]) => {
  const errors: string[] = [];
  const spy = jest.spyOn(console, "error").mockImplementation((m: string) => void errors.push(m));
  try {
    const code = await cliMain(CLUSTER_CHECK_CLI, argv, clusterCheckMain, (err) => {
      errors.push(err instanceof Error ? err.message : String(err));
      return err instanceof UsageError ? 2 : 1;
    });
    return { code, errors: errors.join("\n") };
  } finally {
    spy.mockRestore();
  }
};

test("an unknown action is refused, naming the allowed ones; none given is left to the command", () => {
  expect(() => clusterAction(["start"])).toThrow(/unknown action "start"; allowed: build, up, down, status/);
  expect(clusterAction(["up"])).toEqual({ action: "up", rest: [] });
  expect(clusterAction(["--help"])).toEqual({ action: undefined, rest: ["--help"] });
});

test.each([
  [["--stack", "local", "--dry-run=client"], /--dry-run=client: allowed: server/],
  [["--stack", "local", "--timeout", "0"], /--timeout 0: allowed: whole seconds from 1 to 3600/],
  [["--stack", "local", "--timeout", "ten"], /--timeout ten/],
  [["--stack", "local", "--kubeconfig", "/nonexistent/kubeconfig"], /only asks \(--dry-run=server\)/],
  [["--dry-run=server"], /--stack is required/],
])("%j is a usage error (exit 2)", async (argv, message) => {
  const { code, errors } = await run(argv);
  expect(code).toBe(2);
  expect(errors).toMatch(message);
});

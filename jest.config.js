/** Jest runs TypeScript through swc (transpile only); `tsc --noEmit` in `npm test` does the type-checking. */
const fs = require("fs");
const path = require("path");

// The offline plan renders Helm charts from a local chart cache. Where ../shared/charts sits beside
// the checkout (this project's CI, no network), tests use those pinned charts; elsewhere the plan's
// default cache (.cache/charts, filled by `helm pull`). An ODS_CHART_CACHE set by the caller wins.
const sharedCharts = path.resolve(__dirname, "..", "shared", "charts");
if (!process.env.ODS_CHART_CACHE && fs.existsSync(sharedCharts)) process.env.ODS_CHART_CACHE = sharedCharts;

module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }] },
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/out/", "/.tools/"],
  testTimeout: 60000,
  // Jest's default leaves a core idle; most test time is spent waiting on child processes (plan CLIs,
  // k6 against a target with fixed latencies), so one worker per core halves the wall time (measured
  // on 2 cores: 142 s -> 71-78 s over three runs, the k6 accuracy assertions holding in each).
  maxWorkers: "100%",
  reporters: ["default", "<rootDir>/test/summaryReporter.js"],
};

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
  reporters: ["default", "<rootDir>/test/summaryReporter.js"],
};

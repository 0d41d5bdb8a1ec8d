/** Jest runs TypeScript through swc (transpile only); `tsc --noEmit` in `npm test` does the type-checking. */
const path = require("path");

// The offline plan renders Helm charts from a local chart cache. Tests use the pinned charts in
// ../shared/charts beside the checkout (no network); an ODS_CHART_CACHE set by the caller wins.
process.env.ODS_CHART_CACHE ??= path.resolve(__dirname, "..", "shared", "charts");

module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }] },
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/out/", "/.tools/"],
  testTimeout: 60000,
  reporters: ["default", "<rootDir>/test/summaryReporter.js"],
};

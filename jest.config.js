/**
 * Jest runs TypeScript through swc (transpile only); `tsc --noEmit` in `npm test` does the type-checking.
 * `npm test` runs every *.test.ts except the load-test suites that drive the real k6 (*.k6.test.ts),
 * which `npm run test:gate` runs (jest.gate.config.js), and the suites that start the local control plane
 * (*.cluster.test.ts), which `npm run test:cluster` runs (jest.cluster.config.js), and the services'
 * suites against real backends (*.services.test.ts), which `npm run test:services` runs. Charts and manifests come from the caches that
 * ODS_CHART_CACHE and ODS_MANIFEST_CACHE name, else .cache/charts and .cache/manifests.
 */
module.exports = {
  testEnvironment: "node",
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
    // jose is ES modules only: Node 22 requires it natively, Jest's module system (before Node 24.9) does not.
    "/node_modules/jose/.+\\.js$": ["@swc/jest", { jsc: { parser: { syntax: "ecmascript" }, target: "es2022" }, module: { type: "commonjs" } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!jose/)"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/out/", "/.tools/", "/.cache/", "/dist/", "\\.k6\\.test\\.ts$", "\\.cluster\\.test\\.ts$", "\\.services\\.test\\.ts$"],
  // A bound on a hung test, not a speed requirement: plans are shared through the plan cache, and a
  // test that waits for one being planned by another worker waits as long as that takes.
  testTimeout: 300000,
  // Most test time is spent waiting on child processes (Helm, the planner, promtool): one worker per core.
  maxWorkers: "100%",
  reporters: ["default", "<rootDir>/test/summaryReporter.js"],
};

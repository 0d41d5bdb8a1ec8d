/** Jest runs TypeScript through swc (transpile only); `tsc --noEmit` in `npm test` does the type-checking. */
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }] },
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", "/out/", "/.tools/"],
  testTimeout: 60000,
  reporters: ["default", "<rootDir>/test/summaryReporter.js"],
};

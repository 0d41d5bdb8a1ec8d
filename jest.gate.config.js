/** `npm run test:gate`: the load-test suites that run the real k6 against the local streaming target. */
const base = require("./jest.config.js");

module.exports = {
  ...base,
  testMatch: ["**/*.k6.test.ts"],
  testPathIgnorePatterns: base.testPathIgnorePatterns.filter((p) => !p.includes("k6")),
};

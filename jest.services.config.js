/**
 * `npm run test:services`: the platform's services against real backends (MariaDB, Redis, an S3 server,
 * an OpenID provider), which the suites start on 127.0.0.1 and stop (test/backends/). Setup installs them.
 */
const base = require("./jest.config.js");

module.exports = {
  ...base,
  testMatch: ["**/*.services.test.ts"],
  testPathIgnorePatterns: base.testPathIgnorePatterns.filter((p) => !p.includes("services")),
  testTimeout: 120000,
};

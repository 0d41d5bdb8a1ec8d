/** `npm run test:cluster`: the suites that start the kit's local control plane (cluster/). One at a time: each starts its own. */
const base = require("./jest.config.js");

module.exports = {
  ...base,
  testMatch: ["**/*.cluster.test.ts"],
  testPathIgnorePatterns: base.testPathIgnorePatterns.filter((p) => !p.includes("cluster")),
  maxWorkers: 1,
};

// Jest reporter that ends the run with the number of assertions that ran (every expect() of every
// passing test: what can fail) and one plain "N passed, N failed" line (and skipped, if any).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const assertions = results.testResults.reduce((sum, file) => sum + file.testResults.reduce((s, t) => s + (t.numPassingAsserts || 0), 0), 0);
    process.stdout.write(`\nassertions: ${assertions} in ${results.numPassedTests} passing tests of ${results.numTotalTestSuites} files\n`);
    process.stdout.write(`${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
  }
}
module.exports = SummaryReporter;

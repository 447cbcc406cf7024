// CI's rule for skipped tests: CI installs every service, browser and data set the suites need,
// so under CI nothing may be skipped. Reads vitest's JSON report (npm test -- --reporter=json
// --outputFile.json=FILE), prints the count and each skipped or todo test, and fails if any.
//   node .ci/no-skipped-tests.mjs reports/tests.json
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'reports/tests.json';
const report = JSON.parse(readFileSync(file, 'utf8'));
const skipped = report.testResults.flatMap((suite) =>
  suite.assertionResults.filter((test) => test.status !== 'passed' && test.status !== 'failed').map((test) => `${test.status}: ${suite.name.replace(`${process.cwd()}/`, '')} > ${test.fullName}`),
);
console.log(`${report.numTotalTests} tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped.length} skipped or todo`);
if (skipped.length > 0) {
  console.log(skipped.join('\n'));
  console.log('Under CI no test may be skipped: install what the skipped suites name (.ci/run does), or fix their condition.');
  process.exit(1);
}

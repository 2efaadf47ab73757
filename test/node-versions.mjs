// The Node suites on the other Node versions the package supports, with CI set (as .ci/run sets
// it): each runtime comes from the npm registry's `node` package through npx, so a machine needs
// no version manager. `npm test` runs this after the suites on the Node that runs npm.
import {spawnSync} from 'node:child_process';

const VERSIONS = ['22', '24'];

if (!process.env.CI) {
  console.log(`Node ${VERSIONS.join(' and ')}: skipped (they run when CI is set, as .ci/run does)`);
  process.exit(0);
}

const failed = [];
for (const version of VERSIONS) {
  console.log(`\n=== The Node suites on Node ${version} ===`);
  const run = spawnSync(
    'npx',
    ['--yes', '--package', `node@${version}`, '--call', 'node --version && npm run test:node'],
    {stdio: 'inherit'}
  );
  if (run.status !== 0) failed.push(version);
}
if (failed.length) {
  console.error(`\nThe Node suites failed on Node ${failed.join(' and ')}.`);
  process.exit(1);
}
console.log(`\nThe Node suites passed on Node ${VERSIONS.join(' and ')}.`);

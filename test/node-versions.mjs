// The Node suites on the other Node versions the package supports, with CI set (as .ci/run sets
// it): each runtime comes from the npm registry's `node` package through npx, so a machine needs
// no version manager. `npm test` runs this after the suites on the Node that runs npm.
import {spawnSync} from 'node:child_process';
import {dirname, delimiter} from 'node:path';

const VERSIONS = ['22', '24'];

if (!process.env.CI) {
  console.log(`Node ${VERSIONS.join(' and ')}: skipped (they run when CI is set, as .ci/run does)`);
  process.exit(0);
}

const failed = [];
for (const version of VERSIONS) {
  // Only the runtime's path comes from npx: running the suites inside `npx --call` would leave its
  // npm_config_call in the environment, and every npx the suites run would fail on it.
  const where = spawnSync(
    'npx',
    ['--yes', '--package', `node@${version}`, '--', 'node', '-p', 'process.execPath'],
    {encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']}
  );
  const node = where.stdout?.trim();
  if (where.status !== 0 || !node) {
    console.error(`Could not fetch Node ${version} from the registry.`);
    failed.push(version);
    continue;
  }
  console.log(`\n=== The Node suites on Node ${version} (${node}) ===`);
  const env = {...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH}`};
  const run = spawnSync('sh', ['-c', 'node --version && npm run test:node'], {
    stdio: 'inherit',
    env,
  });
  if (run.status !== 0) failed.push(version);
}
if (failed.length) {
  console.error(`\nThe Node suites failed on Node ${failed.join(' and ')}.`);
  process.exit(1);
}
console.log(`\nThe Node suites passed on Node ${VERSIONS.join(' and ')}.`);

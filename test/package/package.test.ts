/**
 * The npm package where users install it. From a copy of the repository's files (no dist/, no
 * build left over), `npm pack` makes the tarball; a fresh Vite app with a strict tsconfig installs
 * it from the registry and that file, type-checks its use of `<glia-handoff>`, builds, and the
 * built page defines the element in Chromium; the bin's commands run from the app, outside this
 * repository. Slow (a minute or more, most of it npm), so it runs only with `CI` set, as `.ci/run`
 * sets it; `CI=true npx tsx --test test/package/package.test.ts` runs it alone.
 */
import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile} from 'node:fs/promises';
import {createServer} from 'node:http';
import type {AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {extname, join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {SEED} from '../../src/simulator/seed.js';
import {freePort, launchChromium, spawnNpm} from '../e2e/support.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const ourPackage = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  version: string;
  devDependencies: Record<string, string>;
};

/** What a person's app writes: the element typed through the global maps, under `strict`. */
const MAIN_TS = `import 'glia-handoff';

const element = document.createElement('glia-handoff');
element.proxyUrl = 'http://127.0.0.1:9';
const url: string = element.proxyUrl;
// @ts-expect-error proxyUrl is a string: the element is typed, not \`any\`
const wrong: number = element.proxyUrl;
element.addEventListener('glia-message', (event) => {
  const text: string = event.message.text;
  console.log(text, url, wrong);
});
element.addEventListener('glia-status-change', (event) => console.log(event.status));
document.body.append(element);
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'bundler',
    lib: ['ES2023', 'DOM', 'DOM.Iterable'],
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: [],
  },
  include: ['src'],
};

/** Runs a command in `cwd`; rejects with its output when it fails. */
async function sh(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  try {
    return await run(command, args, {
      cwd,
      env: {...process.env, ...env},
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const {stdout, stderr} = error as {stdout?: string; stderr?: string};
    throw new Error(`${command} ${args.join(' ')} failed:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/** Serves a directory over HTTP on 127.0.0.1, as any static host would serve a built app. */
async function serve(dir: string) {
  const types: Record<string, string> = {'.html': 'text/html', '.js': 'text/javascript'};
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    const file = join(dir, path === '/' ? 'index.html' : path);
    readFile(file).then(
      (body) =>
        response
          .writeHead(200, {'content-type': types[extname(file)] ?? 'application/octet-stream'})
          .end(body),
      () => response.writeHead(404).end()
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe(
  'the npm package, installed in a fresh Vite + strict TypeScript app',
  {skip: process.env.CI ? false : 'slow: runs when CI is set', timeout: 900_000},
  () => {
    let work: string;
    let app: string;

    before(async () => {
      work = await mkdtemp(join(tmpdir(), 'glia-handoff-package-'));
      // The repository's files as a clean clone has them (tracked and new, not ignored): no dist/.
      const source = join(work, 'source');
      const {stdout} = await sh(root, 'git', [
        'ls-files',
        '-z',
        '--cached',
        '--others',
        '--exclude-standard',
      ]);
      for (const file of stdout.split('\0').filter(Boolean)) {
        await cp(join(root, file), join(source, file), {recursive: true}).catch(
          (error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error; // deleted in the work tree, not yet committed
          }
        );
      }
      // The build tools are the repository's (npm ci installed them); the copy borrows them.
      await symlink(join(root, 'node_modules'), join(source, 'node_modules'), 'dir');
      await sh(source, 'npm', ['pack', '--pack-destination', work]);
      const tarball = join(work, `glia-handoff-${ourPackage.version}.tgz`);

      app = join(work, 'app');
      await mkdir(join(app, 'src'), {recursive: true});
      await writeFile(
        join(app, 'package.json'),
        JSON.stringify({
          name: 'an-intranet-page',
          private: true,
          type: 'module',
          dependencies: {'glia-handoff': `file:${tarball}`},
          devDependencies: {
            vite: ourPackage.devDependencies.vite,
            typescript: ourPackage.devDependencies.typescript,
          },
        })
      );
      await writeFile(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG));
      await writeFile(
        join(app, 'index.html'),
        '<!doctype html><html><body><script type="module" src="/src/main.ts"></script></body></html>\n'
      );
      await writeFile(join(app, 'src', 'main.ts'), MAIN_TS);
      await sh(app, 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund']);
    });

    after(async () => {
      if (work) await rm(work, {recursive: true, force: true});
    });

    it('ships the widget build, its declarations and the sources the bin runs', async () => {
      const installed = join(app, 'node_modules', 'glia-handoff');
      const files = await readdir(installed, {recursive: true});
      for (const file of [
        'dist/widget/widget.js',
        'dist/types/widget/glia-handoff.d.ts',
        'bin/glia-handoff.js',
        'src/cli/main.ts',
        'docs/operations.md',
      ]) {
        assert.ok(files.includes(file), `${file} is in the package`);
      }
    });

    it('type-checks the element, its properties and its events under strict', async () => {
      await sh(app, 'npx', ['tsc', '-p', '.']);
    });

    it('builds with Vite, and the built page defines <glia-handoff> in Chromium', async (t) => {
      await sh(app, 'npx', ['vite', 'build', '--logLevel', 'warn']);
      const site = await serve(join(app, 'dist'));
      t.after(() => site.close());
      const browser = await launchChromium();
      t.after(() => browser.close());
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(site.url);
      await page.waitForFunction(() => customElements.get('glia-handoff') !== undefined);
      const rendered = await page.evaluate(() => {
        const element = document.querySelector('glia-handoff');
        return {
          upgraded: element instanceof customElements.get('glia-handoff')!,
          shadow: Boolean(element?.shadowRoot?.childElementCount),
        };
      });
      assert.deepEqual(rendered, {upgraded: true, shadow: true});
      assert.deepEqual(errors, []);
    });

    it('runs npx glia-handoff --help from the app', async () => {
      const {stdout} = await sh(app, 'npx', ['glia-handoff', '--help']);
      assert.match(stdout, /Usage: glia-handoff <command>/);
      for (const command of ['demo', 'proxy', 'sim', 'doctor'])
        assert.match(stdout, new RegExp(command));
    });

    it('runs sim, proxy against it and doctor from the app', async (t) => {
      const [simPort, port] = [await freePort(), await freePort()];
      const sim = spawnNpm('npx', ['glia-handoff', 'sim', '--port', String(simPort)], {cwd: app});
      t.after(() => sim.stop('SIGKILL'));
      await sim.until('Press Ctrl+C');
      const simUrl = `http://127.0.0.1:${simPort}`;
      assert.equal((await fetch(`${simUrl}/__sim/state`)).status, 200);

      const env = {
        GLIA_API_BASE: simUrl,
        GLIA_SITE_ID: SEED.siteId,
        GLIA_QUEUE_ID: SEED.openQueue.id,
        GLIA_API_KEY_ID: SEED.serviceCredential.apiKeyId,
        GLIA_API_KEY_SECRET: SEED.serviceCredential.apiKeySecret,
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        PORT: String(port),
        HOST: '127.0.0.1',
      };
      const proxy = spawnNpm('npx', ['glia-handoff', 'proxy'], {cwd: app, env});
      t.after(() => proxy.stop('SIGKILL'));
      await proxy.until('token exchange: ok');
      assert.equal((await fetch(`${env.PUBLIC_URL}/readyz`)).status, 200);
      const widget = await fetch(`${env.PUBLIC_URL}/handoff/widget.js`);
      assert.equal(widget.status, 200, 'the proxy serves the widget build from the package');
      assert.match(widget.headers.get('content-type') ?? '', /javascript/);

      const doctor = await sh(app, 'npx', ['glia-handoff', 'doctor', '--json'], env);
      const report = JSON.parse(doctor.stdout) as {ok: boolean};
      assert.equal(report.ok, true, doctor.stdout);

      // SIGTERM, as a service manager stops it: every process of each exits on its own.
      for (const [name, running] of [
        ['proxy', proxy],
        ['simulator', sim],
      ] as const) {
        const {npm, lingered} = await running.stop('SIGTERM');
        assert.ok(npm === 0 || npm === 'SIGTERM', `npx ends (${npm}):\n${running.output()}`);
        assert.equal(lingered, false, `the ${name} stops on SIGTERM:\n${running.output()}`);
      }
      await assert.rejects(fetch(`${env.PUBLIC_URL}/healthz`), 'the proxy no longer answers');
    });
  }
);

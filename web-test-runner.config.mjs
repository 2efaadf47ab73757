// Browser suites: Debian's Chromium through Playwright (never a downloaded browser), TypeScript
// through esbuild, msw's service worker served from the root where msw expects it.
import {readFile} from 'node:fs/promises';
import {esbuildPlugin} from '@web/dev-server-esbuild';
import {playwrightLauncher} from '@web/test-runner-playwright';
import {CHROMIUM_ARGS, CHROMIUM_PATH} from './test/chromium.mjs';

const workerUrl = new URL('./test/browser/public/mockServiceWorker.js', import.meta.url);

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 1,
  testFramework: {config: {timeout: 10000}},
  browserStartTimeout: 60000,
  testsFinishTimeout: 180000,
  plugins: [esbuildPlugin({ts: true, tsconfig: './tsconfig.json'})],
  middleware: [
    async (ctx, next) => {
      if (ctx.path !== '/mockServiceWorker.js') return next();
      ctx.type = 'application/javascript';
      ctx.set('Service-Worker-Allowed', '/');
      ctx.body = await readFile(workerUrl, 'utf8');
    },
  ],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath: CHROMIUM_PATH,
        args: CHROMIUM_ARGS,
      },
    }),
  ],
};

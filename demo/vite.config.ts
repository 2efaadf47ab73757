// The demo intranet page (index.html + demo/), built to dist/demo. The page loads the widget the
// way any page would, from the proxy's /handoff/widget.js, so that script is left alone here.
import {fileURLToPath} from 'node:url';
import {defineConfig} from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: 'dist/demo',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {input: {index: `${root}/index.html`}},
  },
});

#!/usr/bin/env node
// The command line runs the TypeScript sources through tsx, so there is no build step to forget.
// tsx is given this package's own tsconfig.json: installed in an app, the app's would apply.
import {fileURLToPath} from 'node:url';
import {register} from 'tsx/esm/api';

register({tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url))});
await import('../src/cli/main.ts');

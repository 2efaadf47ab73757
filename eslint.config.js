// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import lit from 'eslint-plugin-lit';
import wc from 'eslint-plugin-wc';

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'dist',
      'coverage',
      'test-results',
      'test/browser/public/mockServiceWorker.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // TypeScript checks undefined names itself; config files run in Node.
    languageOptions: {globals: {process: 'readonly', URL: 'readonly', console: 'readonly'}},
    rules: {'no-undef': 'off'},
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {argsIgnorePattern: '^_', varsIgnorePattern: '^_'},
      ],
    },
  },
  {
    files: ['src/widget/**/*.ts'],
    ...lit.configs['flat/recommended'],
  },
  {
    files: ['src/widget/**/*.ts'],
    ...wc.configs['flat/recommended'],
  },
  // Keep the seams visible (docs/architecture.md, "Why the boundaries are where they are"): each part imports only what it may.
  {
    files: ['src/widget/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          // `paths` match whole specifiers: a `patterns` entry 'zod' would also forbid 'zod/mini'.
          paths: ['zod', 'zod/v4', 'zod/mini'].map((name) => ({
            name,
            message:
              'No zod in the browser: parse with src/wire/handoff/checks.generated.ts (docs/architecture.md, "Parsing in the browser").',
          })),
          patterns: [
            {
              group: ['**/proxy/**', '**/simulator/**', '**/wire/glia/**', 'node:*'],
              message: 'The widget runs in the browser and speaks only wire/handoff.',
            },
            {
              // The schema modules build zod schemas: types only. Values come from limits.js and
              // checks.generated.js, which hold no zod.
              group: [
                '**/wire/handoff/*',
                '!**/wire/handoff/limits.js',
                '!**/wire/handoff/checks.generated.js',
              ],
              allowTypeImports: true,
              message:
                'The widget takes only types from the zod schemas; parse with checks.generated.js (npm run build:checks).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/simulator/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/proxy/**', '**/widget/**', '**/wire/handoff/**'],
              message: 'The simulator imitates Glia: it knows only wire/glia.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/wire/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/proxy/**', '**/widget/**', '**/simulator/**', 'node:*'],
              message: 'wire/ holds schemas only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/kit/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../**', 'node:*', 'hono', 'hono/*', 'zod', 'zod/*', 'lit', 'lit/*'],
              message:
                'kit/ depends on nothing: the browser, the proxy and the simulator all use it.',
            },
          ],
        },
      ],
    },
  }
);

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
      'no-restricted-imports': [
        'error',
        {
          // `paths` match whole specifiers: a `patterns` entry 'zod' would also forbid 'zod/mini'.
          paths: ['zod', 'zod/v4'].map((name) => ({
            name,
            message: 'Use zod/mini in the browser (full zod costs ~25 KB gzip).',
          })),
          patterns: [
            {
              group: ['**/proxy/**', '**/simulator/**', '**/wire/glia/**', 'node:*'],
              message: 'The widget runs in the browser and speaks only wire/handoff.',
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

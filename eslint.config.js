import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

// src-shared runs in the main process, in workers and in the renderer: it must not
// reach for any platform. The per-layer tsconfig enforces the same through `lib`/`types`.
const platformModules = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'crypto',
  'url',
  'electron',
  'electron/*',
  'better-sqlite3',
  '@tensorflow/*',
  'ws',
  'svelte',
  'svelte/*',
  'echarts',
  'echarts/*',
];

export default tseslint.config(
  {
    ignores: ['node_modules/', 'out/', 'dist/', 'tests/e2e/screenshots/', 'tests/.tmp/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: {
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,svelte}'],
    languageOptions: {
      globals: { ...globals.browser },
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
  },
  {
    // Only the zoo speaks SQL (DESIGN §2): everything else asks a repository of src-main/zoo.
    files: ['src-main/**/*.ts'],
    ignores: ['src-main/zoo/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='prepare']",
          message:
            'SQL lives in src-main/zoo: add a repository method there instead of .prepare().',
        },
        {
          selector:
            'CallExpression[callee.property.name=/^(exec|pragma)$/][callee.object.name=/^(db|database)$/]',
          message: 'SQL lives in src-main/zoo: add a repository method there instead.',
        },
        {
          selector:
            'CallExpression[callee.property.name=/^(exec|pragma)$/][callee.object.property.name=/^(db|database)$/]',
          message: 'SQL lives in src-main/zoo: add a repository method there instead.',
        },
      ],
    },
  },
  {
    files: ['src-shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: platformModules,
              message:
                'src-shared is platform-free: no Node, Electron, DOM, SQLite or tfjs imports.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'window', 'document', 'Buffer', 'require'],
    },
  },
);

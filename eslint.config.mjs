// Lint rules: floating promises are bugs everywhere; workflow code must stay deterministic.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

export default tseslint.config(
  { ignores: ['node_modules/**', '.bolt/**', 'coverage/**', 'dist/**', 'web/dist/**', 'test-results/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // One role per file, one task per function (issue 14); tests, migrations and data are exempt.
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ['test/**', 'db/migrations/**', 'catalog/**'],
    rules: {
      'max-lines': ['error', { max: 300 }],
      'max-lines-per-function': ['error', { max: 80 }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [...builtinModules, ...builtinModules.map((m) => `node:${m}`)].map((name) => ({
            name,
            message: 'Workflow code is deterministic: Node built-ins are not allowed in workflows/.',
          })),
          patterns: [{ group: ['../activities', '../activities/*', '../adapters/*', '../db/*'], allowTypeImports: true, message: 'Workflows import activities and adapters as types only.' }],
        },
      ],
    },
  },
);

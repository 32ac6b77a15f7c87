// Lint: typescript-eslint's recommended type-aware rules over the controller.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['controller/dist/**', 'node_modules/**', 'controller/schema/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // zod's settings are made in one place before any schema is built (platform/zod.ts).
    files: ['controller/src/**/*.ts'],
    ignores: ['controller/src/platform/zod.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [{ name: 'zod', message: "import { z } from platform/zod.ts: it configures zod before any schema is built", allowTypeImports: true }] }],
    },
  },
);

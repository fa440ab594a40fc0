import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'ab-dist/', 'packages/*/dist/', 'node_modules/', '.keyward/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // The dashboard's one script runs in the browser.
  { files: ['views/static/**/*.js'], languageOptions: { globals: { document: 'readonly', navigator: 'readonly' } } },
  // Scripts whose output is the point.
  { files: ['bench/**', 'examples/**'], rules: { 'no-console': 'off' } },
);

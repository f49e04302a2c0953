// Lint rules that catch what review misses: floating promises above all,
// because an un-awaited POST is how a report silently goes missing.
import tseslint from 'typescript-eslint';

const RULES = {
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/no-misused-promises': 'error',
  '@typescript-eslint/no-explicit-any': 'error',
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
};

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'dist/**', 'github-action/dist/**', 'build/**', 'data/**', '**/*.cjs', '**/*.mjs', 'bin/**', '.tmp/**'],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    ignores: ['web/**'],
    languageOptions: {
      parserOptions: {
        project: './tsconfig.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: RULES,
  },
  // The page (web/) is typed for the browser (DOM), by its own tsconfig.
  {
    files: ['web/**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: './web/tsconfig.json',
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: RULES,
  },
);

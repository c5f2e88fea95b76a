// ESLint, type-aware: typescript-eslint's recommendedTypeChecked as the base, with the rules
// that catch a promise nobody awaits and an `any` leaking past a boundary on as errors.
// `npm run lint`; part of `npm test`.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // dist/ is tsc's output; bench/results and the test data are data, not code.
    ignores: ['dist/', 'node_modules/', '.tap/', 'gannet-data/', 'bench/results/', 'test/fixtures/', 'test/transcripts/'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // Every .ts file is in tsconfig.json; the JS files outside it (this one and
        // bench/ts-worker.mjs) are checked with a default project.
        projectService: { allowDefaultProject: ['*.js', 'bench/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // `x as T`, never `<T>x`; an object literal may be asserted only where it is passed as an
      // argument. Elsewhere give it a declared type, so a missing or misspelt property is an error.
      '@typescript-eslint/consistent-type-assertions': [
        'error',
        { assertionStyle: 'as', objectLiteralTypeAssertions: 'allow-as-parameter' },
      ],
      // Passing on what a `catch` caught (unknown) is not rejecting with a non-Error; the same
      // as only-throw-error's default for `throw err`.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      // `const { uid: _uid, ...rest } = record` names what it leaves out of `rest`.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // Off: an `async` function without an `await` is deliberate here. It implements a
      // Promise-returning interface (a credential table's get, a RecipientMap's lookup, the
      // callback of withStore) so that a throw becomes a rejection, which dropping `async`
      // would change; and every tap test callback is async, so tap waits for it.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // tap's t.test() queues the subtest and returns a promise that only resolves (with the
      // results; a failure is reported in the TAP output, never as a rejection), and the parent
      // waits for its queued subtests. So `t.test(...)` without await is tap's own idiom, not a
      // lost promise. Every other floating promise in the tests is still an error.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: '@tapjs/test', name: 'test' }] },
      ],
    },
  },
);

// ESLint flat config. The layer rule of DESIGN.md §3 is enforced with no-restricted-imports:
// each folder under src/ lists the layers it must not import.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const layers = ['kernel', 'config', 'sip', 'sdp', 'media', 'speech', 'store', 'call', 'verbs', 'app', 'api', 'cluster', 'portal', 'simulator', 'cli', 'testkit'];
/** What each layer may import (besides itself and node_modules). */
const allowed = {
  kernel: [],
  config: ['kernel'],
  sip: ['kernel'],
  sdp: ['kernel'],
  media: ['kernel'],
  speech: ['kernel'],
  store: ['kernel'],
  call: ['kernel', 'sip', 'sdp', 'media', 'speech', 'store'],
  verbs: ['kernel', 'call', 'speech', 'store'],
  app: ['kernel', 'call', 'speech', 'store', 'verbs'],
  api: ['kernel', 'store', 'speech', 'verbs', 'call', 'app'],
  cluster: ['kernel'],
  portal: [],
  simulator: ['kernel', 'sip', 'sdp', 'media', 'speech'],
  cli: ['kernel', 'config', 'sip', 'sdp', 'media', 'speech', 'store', 'call', 'verbs', 'app', 'api', 'cluster', 'simulator'],
};

/** testkit/ is for tests only: no product file (src/simulator included) may import it. */
const noTestkit = { group: ['**/testkit/**', './testkit/*', '../testkit', '../../testkit'], message: 'DESIGN.md §3: testkit/ is for tests only' };

function forbidden(layer) {
  const ok = new Set([layer, ...allowed[layer]]);
  const banned = layers.filter((l) => !ok.has(l) && l !== 'testkit');
  return [...banned.map((l) => ({ group: [`**/${l}/**`, `../${l}`, `../../${l}`], message: `DESIGN.md §3: ${layer}/ must not import ${l}/` })), noTestkit];
}

/** Product code: every non-test file under src/ outside src/testkit. */
const product = { files: ['src/**/*.ts'], ignores: ['src/**/*.test.ts', 'src/testkit/**'] };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'artifacts/**', 'src/portal/**', 'portal-dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Structure budgets of DESIGN.md §4.8 (files < 500 lines, functions < 60, split by concept when they grow).
  {
    ...product,
    rules: {
      'max-lines': ['error', { max: 500, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
      complexity: ['error', 20],
      // Files outside any layer folder (src/main.ts, …); the layer blocks below repeat it, as a
      // later block replaces the rule's options rather than merging them.
      'no-restricted-imports': ['error', { patterns: [noTestkit] }],
    },
  },
  ...Object.keys(allowed).map((layer) => ({
    files: [`src/${layer}/**/*.ts`],
    ignores: ['src/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: forbidden(layer) }] },
  })),
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
);

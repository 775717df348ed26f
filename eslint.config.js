// ESLint flat config. The layer rule of DESIGN.md §3 is enforced with no-restricted-imports:
// each folder under src/ lists the layers it must not import.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const layers = ['kernel', 'config', 'sip', 'sdp', 'media', 'speech', 'store', 'call', 'verbs', 'app', 'api', 'portal', 'simulator', 'cli', 'testkit'];
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
  api: ['kernel', 'store', 'verbs', 'call', 'app'],
  portal: [],
  simulator: ['kernel', 'sip', 'sdp', 'media', 'speech'],
  cli: ['kernel', 'config', 'sip', 'sdp', 'media', 'speech', 'store', 'call', 'verbs', 'app', 'api', 'simulator'],
};

function forbidden(layer) {
  const ok = new Set([layer, ...allowed[layer]]);
  const banned = layers.filter((l) => !ok.has(l));
  return banned.map((l) => ({ group: [`**/${l}/**`, `../${l}`, `../../${l}`], message: `DESIGN.md §3: ${layer}/ must not import ${l}/` }));
}

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
  ...Object.keys(allowed).map((layer) => ({
    files: [`src/${layer}/**/*.ts`],
    ignores: ['src/**/*.test.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: forbidden(layer) }] },
  })),
  {
    files: ['src/main.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/testkit/**', './testkit/*'], message: 'testkit/ is for tests only' }] }] },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
);

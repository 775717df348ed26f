import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Component and page tests: Preact in happy-dom, no browser. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  test: {
    environment: 'happy-dom',
    include: ['**/*.test.ts', '**/*.test.tsx'],
    restoreMocks: true,
  },
});

#!/usr/bin/env node
// The `vgw` command. Runs the compiled output in dist/ (built by `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/vgw.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('vgw: dist/ is missing; run `make build` (or `npm ci && npm run build`) first\n');
  process.exit(1);
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);

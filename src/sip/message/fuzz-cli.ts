/** `npm run fuzz:sip` → node dist/sip/message/fuzz-cli.js COUNT [SEED] */
import { fuzz } from './fuzz.js';

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
if (!Number.isInteger(count) || count < 0 || !Number.isInteger(seed)) {
  console.error('usage: fuzz-cli.js COUNT [SEED]');
  process.exit(2);
}
const started = Date.now();
const result = fuzz(count, seed);
const seconds = (Date.now() - started) / 1000;
console.log(`fuzz:sip seed=${seed} count=${result.count} parsed=${result.parsed} rejected=${result.count - result.parsed} failures=${result.failures.length} (${seconds.toFixed(1)} s)`);
for (const f of result.failures.slice(0, 5)) {
  console.log(`- ${f.error}\n  input: ${JSON.stringify(f.input)}`);
}
process.exit(result.failures.length > 0 ? 1 : 0);

/**
 * Loads the RFC 4475 torture messages kept in `fixtures/rfc4475` (source tree), expanding the
 * RFC's notations (RFC 4475 §2): <allOneLine>, <hex>, <repeat count=N>; lines end in CRLF.
 * Used by the torture test and as fuzzing seeds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The fixture folder, found from either src/ or dist/ (which mirrors src/). */
export function tortureDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.replace(/\/dist\/sip\/message\/$/, '/src/sip/message/') + 'fixtures/rfc4475/';
}

/** RFC 4475 §2.1–2.3 notations → wire octets. */
export function expandTorture(text: string): Buffer {
  const joined = text
    .replace(/<allOneLine>\n([\s\S]*?)\n<\/allOneLine>/g, (_m, inner: string) => inner.replace(/\n/g, ''))
    .replace(/<repeat count=(\d+)>([\s\S]*?)<\/repeat>/g, (_m, n: string, s: string) => s.repeat(Number(n)))
    .replace(/\n/g, '\r\n');
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of joined.matchAll(/<hex>([0-9A-Fa-f]*)<\/hex>/g)) {
    parts.push(Buffer.from(joined.slice(last, m.index), 'utf8'), Buffer.from(m[1], 'hex'));
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(joined.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/** All torture messages by file name (e.g. `3.1.1.1-wsinv`). */
export function loadTorture(): Map<string, Buffer> {
  const dir = tortureDir();
  const out = new Map<string, Buffer>();
  for (const f of readdirSync(dir).sort()) {
    if (f.endsWith('.txt')) out.set(f.slice(0, -4), expandTorture(readFileSync(dir + f, 'utf8')));
  }
  return out;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeWav } from '../../playout/wav.js';
import { replayPcm, resolveAmdParams, type AmdEvent } from './index.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

interface Label {
  readonly file: string;
  readonly class: 'human' | 'machine' | 'fax' | 'sit';
  readonly hard: boolean;
}

function verdict(events: readonly AmdEvent[]): string {
  const v = events.find((e) => e.type === 'amd_human_detected' || e.type === 'amd_machine_detected');
  if (!v) return 'none';
  if (v.type === 'amd_human_detected') return 'human';
  return v.reason === 'fax' || v.reason === 'sit' ? v.reason : 'machine';
}

test('a small generated corpus (held-out espeak-ng voices and texts, a seed not used for tuning) is classified ≥ 90 % right', () => {
  const dir = mkdtempSync(join(tmpdir(), 'amd-corpus-'));
  try {
    execFileSync(process.execPath, [join(root, 'scripts/amd-corpus.mjs'), dir, '--part', 'espeak', '--seed', '7', '--count', '30'], { stdio: 'pipe' });
    const part = join(dir, 'espeak');
    const labels = (JSON.parse(readFileSync(join(part, 'labels.json'), 'utf8')) as { items: Label[] }).items.filter((l) => !l.hard);
    assert.ok(labels.length >= 20, String(labels.length));
    const params = resolveAmdParams({});
    const misses: string[] = [];
    for (const l of labels) {
      const got = verdict(replayPcm(decodeWav(readFileSync(join(part, l.file))), params));
      if (got !== l.class) misses.push(`${l.file}: ${l.class} → ${got}`);
    }
    assert.ok(misses.length <= labels.length * 0.1, misses.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

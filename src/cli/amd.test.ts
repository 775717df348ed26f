import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { amdCommand, parseAmdArgs } from './amd.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../../test/amd/${name}`, import.meta.url));

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({ write(c: Buffer | string, _e, cb) { chunks.push(String(c)); cb(); } });
  return { stream, text: () => chunks.join('') };
}

async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await amdCommand(argv, out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
}

interface JsonEvent {
  type: string;
  reason?: string;
  confidence: number;
  decision_ms: number;
  frequency?: number;
  evidence: { word_count: number; segments: unknown[]; tones: Array<{ hz: number }> };
  call_sid?: string;
}

const lines = (out: string): JsonEvent[] => out.trim().split('\n').map((l) => JSON.parse(l) as JsonEvent);

test('vgw amd --json: the voicemail fixture gives machine → tone (1 kHz) → stopped speaking → stopped, without call info', async () => {
  const r = await runCli([fixture('vm_greeting_beep_8k.wav'), '--json']);
  assert.equal(r.code, 0, r.err);
  const evs = lines(r.out);
  assert.deepEqual(evs.map((e) => e.type), ['amd_machine_detected', 'amd_tone_detected', 'amd_machine_stopped_speaking', 'amd_stopped']);
  assert.equal(evs[0].reason, 'long greeting');
  assert.equal(evs[1].frequency, 1000);
  for (const e of evs) {
    assert.ok(e.confidence >= 0 && e.confidence <= 1);
    assert.equal(typeof e.decision_ms, 'number');
    assert.ok(Array.isArray(e.evidence.segments));
    assert.equal(e.call_sid, undefined);
  }
});

test('vgw amd --json: the hello fixture is a human', async () => {
  const r = await runCli([fixture('hello_8k.wav'), '--json', '--preset', 'fast', '--threshold-word-count', '9', '--decision-timeout-ms', '5000']);
  assert.equal(r.code, 0, r.err);
  const evs = lines(r.out);
  assert.deepEqual(evs.map((e) => e.type), ['amd_human_detected', 'amd_stopped']);
  assert.equal(evs[0].reason, 'short greeting');
});

test('vgw amd prints readable lines without --json', async () => {
  const r = await runCli([fixture('hello_8k.wav')]);
  assert.equal(r.code, 0);
  assert.match(r.out, /amd_human_detected {2}reason="short greeting" {2}confidence=/);
});

test('vgw amd: flags map to the amd object', () => {
  const o = parseAmdArgs(['f.wav', '--preset', 'fast', '--digit-count', '3', '--tone-timeout-ms', '9000', '--greeting-ms', '2500', '--no-fax', '--tail-ms', '100']);
  assert.deepEqual(o.amd, { preset: 'fast', digitCount: 3, timers: { toneTimeoutMs: 9000 }, tuning: { greetingMs: 2500, detectFax: false } });
  assert.equal(o.tailMs, 100);
  assert.equal(o.file, 'f.wav');
});

test('vgw amd: usage errors exit 2, unreadable files exit 1', async () => {
  assert.equal((await runCli([])).code, 2);
  assert.equal((await runCli(['a.wav', '--bogus'])).code, 2);
  assert.equal((await runCli(['a.wav', '--greeting-ms'])).code, 2);
  const bad = await runCli([fixture('hello_8k.wav'), '--preset', 'slow']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /amd\.preset/);
  const missing = await runCli(['/nonexistent/x.wav']);
  assert.equal(missing.code, 1);
  assert.equal((await runCli(['--help'])).code, 0);
});

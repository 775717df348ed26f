import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallInfo } from '../../call/control.js';
import { AttemptTracker } from './attempt.js';

const info = (call_status: CallInfo['call_status'], sip_status: number): CallInfo => ({
  call_sid: 'c1', direction: 'outbound', from: '+1', to: '+2', call_id: 'x', sip_status, call_status, account_sid: 'a', trace_id: '', fs_sip_address: '',
});

function tracker(voicemail?: ConstructorParameters<typeof AttemptTracker>[0]): { t: AttemptTracker; log: string[] } {
  const log: string[] = [];
  const t = new AttemptTracker(voicemail, {
    verdict: (v) => log.push(`verdict:${v}`),
    ended: (o) => log.push(`ended:${o}`),
    failure: (m) => log.push(`failure:${m}`),
  });
  return { t, log };
}

const control = (log: string[]): { replace(v: readonly unknown[]): void; hangup(): Promise<void> } => ({
  replace: (v) => log.push(`replace:${v.length}`),
  hangup: async () => { log.push('hangup'); },
});

test('a fast final status (486 before the attempt is stored) is held until open(), then delivered once', () => {
  const { t, log } = tracker();
  t.status(info('busy', 486));
  t.status(info('busy', 486));
  assert.deepEqual(log, []);
  t.open();
  assert.deepEqual(log, ['ended:busy']);
});

test('answered: the first AMD verdict is the outcome; later verdicts are ignored; none → answered', () => {
  const a = tracker();
  a.t.open();
  a.t.status(info('in-progress', 200));
  a.t.amd({ type: 'amd_human_detected' }, control(a.log));
  a.t.amd({ type: 'amd_machine_detected' }, control(a.log));
  a.t.status(info('completed', 200));
  assert.deepEqual(a.log, ['verdict:human', 'ended:human']);
  const b = tracker();
  b.t.open();
  b.t.status(info('in-progress', 200));
  b.t.amd({ type: 'amd_no_speech_detected' }, control(b.log));
  b.t.status(info('completed', 200));
  assert.deepEqual(b.log, ['ended:answered']);
});

test('voicemail: hangup at once by default; drop waits for amd_tone_detected or amd_machine_stopped_speaking, once', () => {
  const a = tracker();
  a.t.open();
  a.t.status(info('in-progress', 200));
  a.t.amd({ type: 'amd_machine_detected' }, control(a.log));
  assert.deepEqual(a.log, ['verdict:machine', 'hangup']);
  const b = tracker({ action: 'drop', verbs: [{ verb: 'say', text: 'hi' }] });
  b.t.open();
  b.t.status(info('in-progress', 200));
  b.t.amd({ type: 'amd_machine_detected' }, control(b.log));
  assert.deepEqual(b.log, ['verdict:machine']);
  b.t.amd({ type: 'amd_tone_detected' }, control(b.log));
  b.t.amd({ type: 'amd_machine_stopped_speaking' }, control(b.log));
  assert.deepEqual(b.log, ['verdict:machine', 'replace:1']);
});

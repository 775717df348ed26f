import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { nullLogger } from '../kernel/logger.js';
import { FakeCall, FakeWebhooks } from '../testkit/fake-call.js';
import { FakeClock } from '../testkit/fake-clock.js';
import { startApplication } from './session.js';
import { UNSUPPORTED, UnsupportedFeatureAlerts, unsupportedUses } from './unsupported.js';

const unsupportedAlerts = (call: FakeCall): string[] => call.alerts.filter((a) => a.alertType === 'unsupported-feature').map((a) => a.message);

/** One gateway's memory of first uses, shared by the calls of these tests. */
const gatewayAlerts = new UnsupportedFeatureAlerts();

async function runApp(verbs: unknown[], info: { application_sid?: string } = {}, callHook = 'http://app.test/hook'): Promise<FakeCall> {
  const clock = new FakeClock();
  const call = new FakeCall({ clock, info });
  const app = startApplication({ call, clock, logger: nullLogger, webhooks: new FakeWebhooks(), callHook, appJson: verbs, secret: 's', unsupportedAlerts: gatewayAlerts });
  await app.done;
  return call;
}

test('issue 14: a spec-valid config with referHook and sipRequestWithinDialogHook runs on, with one unsupported-feature alert each', async () => {
  const call = await runApp([{ config: { referHook: '/refer', sipRequestWithinDialogHook: { url: 'https://a.example/x' } } }, { say: { text: 'still here' } }], { application_sid: randomUUID() });
  assert.deepEqual(call.said, ['still here']);
  assert.deepEqual(unsupportedAlerts(call), [
    'config.sipRequestWithinDialogHook is accepted but not acted on: incoming in-dialog requests (INFO, MESSAGE …) are not passed to the application (docs/verbs.md)',
    'config.referHook is accepted but not acted on: an incoming REFER is not passed to the application (docs/verbs.md)',
  ]);
  assert.ok(!call.alerts.some((a) => a.alertType === 'invalid-app-payload'));
});

test('issue 14: the first use per application alerts; later uses, in this call or the next, do not', async () => {
  const app = randomUUID();
  const verbs = [{ play: { url: 'https://media.example.com/a.wav', seekOffset: 8000 } }, { play: { url: 'https://media.example.com/b.wav', seekOffset: 10 } }];
  const first = await runApp(verbs, { application_sid: app });
  assert.equal(unsupportedAlerts(first).length, 1);
  assert.match(unsupportedAlerts(first)[0], /^play\.seekOffset is accepted but not acted on/);
  const second = await runApp(verbs, { application_sid: app });
  assert.deepEqual(unsupportedAlerts(second), []);
  assert.deepEqual(second.played, ['https://media.example.com/a.wav', 'https://media.example.com/b.wav']);
  const other = await runApp(verbs, { application_sid: randomUUID() });
  assert.equal(unsupportedAlerts(other).length, 1, 'another application is told too');
});

test('issue 14: a call without an application sid is keyed by its call_hook URL: the second call of the same app is not told again', async () => {
  const verbs = [{ play: { url: 'https://media.example.com/a.wav', seekOffset: 8000 } }];
  const hook = `http://app.test/${randomUUID()}`;
  assert.equal(unsupportedAlerts(await runApp(verbs, {}, hook)).length, 1);
  assert.deepEqual(unsupportedAlerts(await runApp(verbs, {}, hook)), []);
  assert.equal(unsupportedAlerts(await runApp(verbs, {}, `http://app.test/${randomUUID()}`)).length, 1, 'another call_hook is another application');
});

test('issue 14: without an application sid the key is the call_hook URL given; another URL is another application', () => {
  const alerts = new UnsupportedFeatureAlerts();
  const a = new FakeCall({ sid: 'c1' });
  const b = new FakeCall({ sid: 'c2' });
  alerts.report(a, ['dial.onHoldHook'], 'https://app.example/one');
  alerts.report(b, ['dial.onHoldHook'], 'https://app.example/one');
  alerts.report(b, ['dial.onHoldHook', 'dial.dub'], 'https://app.example/two');
  assert.equal(unsupportedAlerts(a).length, 1);
  assert.deepEqual(unsupportedAlerts(b).map((m) => m.split(' ')[0]), ['dial.onHoldHook', 'dial.dub']);
});

test('issue 14: the memory of first uses is bounded', () => {
  const alerts = new UnsupportedFeatureAlerts(2);
  const call = new FakeCall();
  for (const app of ['a', 'b', 'c', 'a']) alerts.report(call, ['say.stream'], app);
  assert.equal(unsupportedAlerts(call).length, 4, '"a" was forgotten after two others and alerts again');
});

test('issue 14: what counts as a use: a value other than null/false/""/{enable:false}; nested say/play of gather; each dial target', () => {
  assert.deepEqual(unsupportedUses('config', { referHook: null, notifyEvents: false, onHoldMusic: '', record: { enable: false } }), []);
  assert.deepEqual(unsupportedUses('config', { record: { action: 'startCallRecording' }, amd: { actionHook: '/a', recognizer: { vendor: 'google' } } }), ['config.record', 'config.amd.recognizer']);
  assert.deepEqual(unsupportedUses('gather', { say: { text: 'x', instructions: 'calm' }, play: { url: 'https://m/a.wav', seekOffset: 1 } }), ['gather.say.instructions', 'gather.play.seekOffset']);
  assert.deepEqual(unsupportedUses('dial', { target: [{ type: 'phone', number: '1' }, { type: 'teams', number: '2', tenant: 't' }] }), ['dial.target[].tenant', 'dial.target[].type']);
  assert.deepEqual(unsupportedUses('dial', { target: [{ type: 'sip', sipUri: 'sip:a@b.c' }] }), []);
});

test('issue 14: docs/verbs.md lists every property accepted but not acted on, and nothing else, with the reason', () => {
  const doc = readFileSync(new URL('../../docs/verbs.md', import.meta.url), 'utf8');
  const section = doc.split(/^### Accepted but not acted on$/m)[1]?.split(/^#{2,3} /m)[0];
  assert.ok(section, 'docs/verbs.md has a section "### Accepted but not acted on"');
  const rows = [...section.matchAll(/^\| `([^`]+)` \| `([^`]+)` \| (.+) \|$/gm)].map((m) => ({ key: `${m[1]}.${m[2]}`, why: m[3] }));
  const documented = new Map(rows.map((r) => [r.key, r.why]));
  for (const row of UNSUPPORTED) {
    const key = `${row.verb}.${row.property}`;
    assert.ok(documented.has(key), `docs/verbs.md lists ${key}`);
    assert.ok((documented.get(key) ?? '').length > 10, `docs/verbs.md says why for ${key}`);
  }
  const listed = new Set(UNSUPPORTED.map((r) => `${r.verb}.${r.property}`));
  assert.deepEqual(rows.filter((r) => !listed.has(r.key)).map((r) => r.key), [], 'no stale rows');
});

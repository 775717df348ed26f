import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Call } from '../call/call.js';
import type { AppCommand, ApplicationHandle } from '../verbs/index.js';
import type { CallsService } from './calls-service.js';
import { applyLiveUpdate, LiveControlError, runAppCommand, type LiveUpdate } from './live-control.js';

/** Records what each live-control path did to the call and the service. */
function stubs(): { did: string[]; service: CallsService; call: Call; handle: ApplicationHandle } {
  const did: string[] = [];
  const call = {
    sid: 'CA1', accountSid: 'AC1',
    mute: (on: boolean) => did.push(`mute ${on}`),
    sendDtmf: async (d: string, ms: number) => { did.push(`dtmf ${d} ${ms}`); },
    setCustomerData: (t: Record<string, unknown>) => did.push(`tag ${JSON.stringify(t)}`),
    sipRequest: async (m: string) => { did.push(`sip ${m}`); return { status: 200, reason: 'OK' }; },
  } as unknown as Call;
  const service = {
    live: () => call,
    redirect: async (_a: string, _c: string, hook: unknown) => { did.push(`redirect ${JSON.stringify(hook)}`); },
    setStatus: async (_a: string, _c: string, s: string) => { did.push(`status ${s}`); },
    whisper: (_a: string, _c: string, v: unknown) => did.push(`whisper ${JSON.stringify(v)}`),
    transcribeStatus: (_a: string, _c: string, s: string) => did.push(`transcribe ${s}`),
    listenStatus: (_a: string, _c: string, s: string) => did.push(`listen ${s}`),
    record: (_a: string, _c: string, r: unknown) => did.push(`record ${JSON.stringify(r)}`),
    create: async (_a: string, b: unknown) => { did.push(`create ${JSON.stringify(b)}`); return { sid: 'CA2', callId: 'x' }; },
  } as unknown as CallsService;
  const handle = {
    replace: (v: unknown) => did.push(`replace ${JSON.stringify(v)}`),
    append: (v: unknown) => did.push(`append ${JSON.stringify(v)}`),
    configure: async (p: unknown) => { did.push(`config ${JSON.stringify(p)}`); },
  } as unknown as ApplicationHandle;
  return { did, service, call, handle };
}

const cmd = (command: string, data: unknown, queueCommand = false): AppCommand => ({ kind: 'command', command, data, queueCommand });

describe('live control: PUT /Calls and WebSocket commands share one path (contract §5.1, §6.3)', () => {
  it('each command does exactly what its PUT field does', async () => {
    const pairs: Array<[AppCommand, LiveUpdate]> = [
      [cmd('redirect', { url: '/x' }), { call_hook: { url: '/x' } }],
      [cmd('call:status', { call_status: 'completed' }), { call_status: 'completed' }],
      [cmd('mute:status', 'mute'), { mute_status: 'mute' }],
      [cmd('mute:status', { mute_status: 'unmute' }), { mute_status: 'unmute' }],
      [cmd('transcribe:status', { transcribe_status: 'pause' }), { transcribe_status: 'pause' }],
      [cmd('listen:status', { listen_status: 'silence' }), { listen_status: 'silence' }],
      [cmd('stream:status', { stream_status: 'resume' }), { listen_status: 'resume' }],
      [cmd('whisper', { verb: 'say', text: 'hi' }), { whisper: { verb: 'say', text: 'hi' } }],
      [cmd('dtmf', { digit: '12', duration: 100 }), { dtmf: { digit: '12', duration: 100 } }],
      [cmd('sip:request', { method: 'INFO' }), { sip_request: { method: 'INFO' } }],
      [cmd('tag', { crm: 'A' }), { tag: { crm: 'A' } }],
      [cmd('record', { action: 'startCallRecording', siprecServerURL: 'sip:srs@rec.example' }), { record: { action: 'startCallRecording', siprecServerURL: 'sip:srs@rec.example' } }],
    ];
    for (const [c, put] of pairs) {
      const viaWs = stubs();
      await runAppCommand(viaWs.service, viaWs.call, viaWs.handle, c);
      const viaPut = stubs();
      await applyLiveUpdate(viaPut.service, 'AC1', 'CA1', put);
      assert.deepEqual(viaWs.did, viaPut.did, c.command);
      assert.equal(viaWs.did.length, 1, c.command);
    }
  });

  it('redirect with verbs replaces the application, with queueCommand appends; config applies at once; dial places a call', async () => {
    const s = stubs();
    await runAppCommand(s.service, s.call, s.handle, cmd('redirect', [{ verb: 'hangup' }]));
    await runAppCommand(s.service, s.call, s.handle, cmd('redirect', [{ verb: 'pause', length: 1 }], true));
    await runAppCommand(s.service, s.call, s.handle, cmd('config', { notifyEvents: true }));
    await runAppCommand(s.service, s.call, s.handle, cmd('dial', { from: '+1', to: { type: 'phone', number: '+2' }, call_hook: 'ws://a/b' }));
    assert.deepEqual(s.did, [
      'replace [{"verb":"hangup"}]', 'append [{"verb":"pause","length":1}]', 'config {"notifyEvents":true}',
      'create {"from":"+1","to":{"type":"phone","number":"+2"},"call_hook":"ws://a/b"}',
    ]);
  });

  it('unknown, unsupported and malformed commands throw LiveControlError and touch nothing', async () => {
    const s = stubs();
    for (const c of [cmd('nope', {}), cmd('listen:status', { listen_status: 'stop' }), cmd('stream:status', {}), cmd('mute:status', 'loud'), cmd('dtmf', { digit: 'x' }), cmd('dtmf', { digit: '1', duration: 10 }), cmd('sip:request', { method: 'BYE' }), cmd('sip:request', { method: 'INFO', headers: { 'Call-ID': 'x' } }), cmd('dial', {}), cmd('dial', { from: '+1', to: { type: 'phone', number: '+2', headers: { Via: 'x' } }, call_hook: 'ws://a/b' })]) {
      await assert.rejects(runAppCommand(s.service, s.call, s.handle, c), (e: unknown) => e instanceof LiveControlError, c.command);
    }
    await assert.rejects(runAppCommand(s.service, s.call, s.handle, { ...cmd('mute:status', 'mute'), callSid: 'CA-other' }), (e: unknown) => e instanceof LiveControlError);
    assert.deepEqual(s.did, []);
  });
});

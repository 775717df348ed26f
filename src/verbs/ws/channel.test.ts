import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { nullLogger } from '../../kernel/logger.js';
import { FakeCall } from '../../testkit/fake-call.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { FakeWebhooks } from '../../testkit/fake-call.js';
import { startApplication, type ApplicationHandle } from '../session.js';
import { resolveWsHook, type Hook } from '../webhook/hook.js';
import { socketOpener } from './connection.js';
import type { AppCommand } from './messages.js';
import { WsAppSession } from './session.js';

interface Msg { readonly type: string; readonly msgid: string; readonly hook?: string; readonly data: Record<string, unknown> }

/** A scripted WebSocket app: answers each acked message with what `reply` returns (undefined: no ack). */
async function wsApp(reply: (m: Msg, ws: WebSocket) => unknown[] | undefined | 'none'): Promise<{ url: string; messages: Msg[]; closes: number[]; close(): Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  const messages: Msg[] = [];
  const closes: number[] = [];
  const sockets: WebSocket[] = [];
  wss.on('connection', (ws) => {
    sockets.push(ws);
    ws.on('close', (code) => closes.push(code));
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as Msg;
      messages.push(m);
      if (['call:status', 'verb:status', 'jambonz:error'].includes(m.type)) return;
      const verbs = reply(m, ws);
      if (verbs !== 'none') ws.send(JSON.stringify({ type: 'ack', msgid: m.msgid, ...(verbs ? { data: verbs } : {}) }));
    });
  });
  await new Promise((r) => wss.once('listening', r));
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/app`, messages, closes,
    close: () => new Promise((r) => {
      for (const s of sockets) s.terminate();
      wss.close(() => r());
    }),
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function newSocket(clock: FakeClock, hook: Hook, call: FakeCall, handle: () => ApplicationHandle | undefined): WsAppSession {
  const s = new WsAppSession({
    clock, logger: nullLogger, callSid: call.sid, open: socketOpener({ clock }), target: { url: hook.url },
    onCommand: async (cmd: AppCommand) => {
      const h = handle();
      if (cmd.command === 'redirect' && h) {
        if (cmd.queueCommand) h.append(cmd.data);
        else h.replace(cmd.data);
      }
    },
    onLost: () => undefined,
  });
  cleanups.push(() => s.close());
  return s;
}

function start(call: FakeCall, clock: FakeClock, webhooks: FakeWebhooks, callHook: string): ApplicationHandle {
  const ref: { handle?: ApplicationHandle } = {};
  const socket = callHook.startsWith('ws') ? newSocket(clock, resolveWsHook(callHook), call, () => ref.handle) : undefined;
  ref.handle = startApplication({
    call, clock, logger: nullLogger, webhooks, callHook, socket,
    openSocket: (hook) => newSocket(clock, hook, call, () => ref.handle),
  });
  return ref.handle;
}

const hungUp = (call: FakeCall): boolean => call.events.some((e) => e.kind === 'hangup');

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('the WebSocket channel of an application (contract §6)', () => {
  it('§6.2 session:new goes over the socket; a relative hook goes as verb:hook with the hook string; a redirect to http(s) hands the call over to webhooks', async () => {
    const app = await wsApp((m) => (m.type === 'session:new' ? [{ verb: 'redirect', actionHook: '/next' }] : [{ verb: 'redirect', actionHook: 'http://example.test/h' }]));
    cleanups.push(() => app.close());
    const webhooks = new FakeWebhooks(() => [{ verb: 'hangup' }]);
    const call = new FakeCall();
    start(call, new FakeClock(), webhooks, app.url);
    await until(() => hungUp(call), 'hang-up');
    assert.deepEqual(app.messages.map((m) => [m.type, m.hook]), [['session:new', undefined], ['verb:hook', '/next']]);
    assert.equal(app.messages[0].data.call_sid, call.sid);
    assert.deepEqual(webhooks.requests.map((r) => r.hook.url), ['http://example.test/h']);
    await until(() => app.closes.length === 1, 'the socket closed');
    assert.deepEqual(app.closes, [1000]);
  });

  it('§6 an HTTP application redirected to a ws URL moves to the socket: session:new there, then its relative hooks', async () => {
    const app = await wsApp((m) => (m.type === 'session:new' ? [{ verb: 'redirect', actionHook: '/after' }] : [{ verb: 'hangup' }]));
    cleanups.push(() => app.close());
    const webhooks = new FakeWebhooks(() => [{ verb: 'redirect', actionHook: app.url }]);
    const call = new FakeCall();
    start(call, new FakeClock(), webhooks, 'http://example.test/app');
    await until(() => hungUp(call), 'hang-up');
    assert.equal(webhooks.requests.length, 1);
    assert.deepEqual(app.messages.map((m) => [m.type, m.hook]), [['session:new', undefined], ['verb:hook', '/after']]);
  });

  it('§6.2 verb:status for each verb once config.notifyEvents is on', async () => {
    const app = await wsApp(() => [{ verb: 'config', notifyEvents: true }, { verb: 'say', text: 'hi', id: 's1' }, { verb: 'hangup' }]);
    cleanups.push(() => app.close());
    const call = new FakeCall();
    start(call, new FakeClock(), new FakeWebhooks(), app.url);
    await until(() => app.messages.filter((m) => m.type === 'verb:status').length === 5, 'verb:status');
    assert.deepEqual(app.messages.filter((m) => m.type === 'verb:status').map((m) => m.data), [
      { event: 'finished', name: 'config' },
      { event: 'starting', id: 's1', name: 'say' }, { event: 'finished', id: 's1', name: 'say' },
      { event: 'starting', name: 'hangup' }, { event: 'finished', name: 'hangup' },
    ]);
  });

  it('§6.3 redirect with queueCommand appends to the list; without it replaces the running verb', async () => {
    const clock = new FakeClock();
    let ws: WebSocket | undefined;
    const app = await wsApp((m, s) => {
      ws = s;
      return m.type === 'session:new' ? [{ verb: 'say', text: 'one' }] : undefined;
    });
    cleanups.push(() => app.close());
    const call = new FakeCall({ clock, mediaMs: 1000 });
    start(call, clock, new FakeWebhooks(), app.url);
    await until(() => call.events.some((e) => e.kind === 'say'), 'say one');
    ws?.send(JSON.stringify({ type: 'command', command: 'redirect', queueCommand: true, data: [{ verb: 'say', text: 'two' }] }));
    await new Promise((r) => setTimeout(r, 50));
    clock.advance(1000);
    await until(() => call.events.filter((e) => e.kind === 'say').length === 2, 'say two after one');
    ws?.send(JSON.stringify({ type: 'command', command: 'redirect', data: [{ verb: 'hangup' }] }));
    await until(() => hungUp(call), 'hang-up replaces say two');
    assert.deepEqual(call.events.filter((e) => e.kind === 'say').map((e) => (e.kind === 'say' ? e.text : '')), ['one', 'two']);
  });
});

import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { nullLogger } from '../../kernel/logger.js';
import { FakeClock } from '../../testkit/fake-clock.js';
import { WebhookError } from '../webhook/client.js';
import { verifySignature } from '../webhook/signature.js';
import { parseUrlPolicy } from '../../kernel/net-policy.js';
import { socketOpener } from './connection.js';
import type { AppCommand } from './messages.js';
import { WsAppSession, WsSessionError, nextBackoff, type WsAppSessionOptions } from './session.js';

interface Received {
  readonly type: string;
  readonly msgid: string;
  readonly call_sid: string;
  readonly hook?: string;
  readonly data: Record<string, unknown>;
  readonly b3?: string;
}

/** A local jambonz-style app server: records each connection's handshake and messages. */
class AppServer {
  readonly wss: WebSocketServer;
  readonly sockets: WebSocket[] = [];
  readonly messages: Received[] = [];
  readonly handshakes: { protocol: string | undefined; authorization: string | undefined }[] = [];
  readonly signatures: (string | undefined)[] = [];

  constructor() {
    this.wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    this.wss.on('connection', (ws, req) => {
      this.sockets.push(ws);
      this.handshakes.push({ protocol: req.headers['sec-websocket-protocol'], authorization: req.headers.authorization });
      this.signatures.push(req.headers['jambonz-signature'] as string | undefined);
      ws.on('message', (d) => this.messages.push(JSON.parse(String(d)) as Received));
    });
  }
  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/app`;
  }
  last(): WebSocket {
    const ws = this.sockets.at(-1);
    assert.ok(ws);
    return ws;
  }
  of(type: string): Received[] {
    return this.messages.filter((m) => m.type === type);
  }
  close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}

/** Waits (real I/O) until `cond` holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function setup(opts: Partial<WsAppSessionOptions> & { url?: string } = {}): { session: WsAppSession; clock: FakeClock; lost: unknown[]; commands: AppCommand[] } {
  const clock = new FakeClock();
  const lost: unknown[] = [];
  const commands: AppCommand[] = [];
  const session = new WsAppSession({
    clock, logger: nullLogger, callSid: 'CA1',
    open: socketOpener({ clock }),
    target: { url: opts.url ?? 'ws://127.0.0.1:1/none', username: 'app', password: 'secret' },
    onCommand: async (c) => {
      commands.push(c);
      if (c.command === 'nope') throw new Error('unknown command nope');
    },
    onLost: (e) => lost.push(e),
    ...opts,
  });
  cleanups.push(() => session.close());
  return { session, clock, lost, commands };
}

async function server(): Promise<AppServer> {
  const s = new AppServer();
  cleanups.push(() => s.close());
  await new Promise((r) => s.wss.once('listening', r));
  return s;
}

describe('ws.jambonz.org session (contract §6)', () => {
  it('§6.1 opens one socket with subprotocol ws.jambonz.org and basic auth, §6.2 session:new waits for its ack', async () => {
    const app = await server();
    const { session } = setup({ url: app.url });
    const reply = session.request('session:new', { call_sid: 'CA1', from: '+1555' });
    await until(() => app.of('session:new').length === 1, 'session:new');
    assert.deepEqual(app.handshakes, [{ protocol: 'ws.jambonz.org', authorization: `Basic ${Buffer.from('app:secret').toString('base64')}` }]);
    const m = app.of('session:new')[0];
    assert.equal(m.call_sid, 'CA1');
    assert.equal(m.hook, undefined);
    assert.deepEqual(m.data, { call_sid: 'CA1', from: '+1555' });
    app.last().send(JSON.stringify({ type: 'ack', msgid: m.msgid, data: [{ verb: 'hangup' }] }));
    assert.deepEqual(await reply, [{ verb: 'hangup' }]);
  });

  it('§6.2 every message carries b3: the call\'s trace id and a new span id per message; none without a trace id', async () => {
    const app = await server();
    const { session } = setup({ url: app.url, traceId: '0af7651916cd43dd' });
    session.notify('call:status', { call_status: 'trying' });
    const reply = session.request('session:new', { call_sid: 'CA1' });
    await until(() => app.messages.length === 2, 'session:new and call:status');
    app.last().send(JSON.stringify({ type: 'ack', msgid: app.messages[0].msgid }));
    await reply;
    const b3 = app.messages.map((m) => m.b3 ?? '');
    for (const h of b3) assert.match(h, /^0af7651916cd43dd-[0-9a-f]{16}-1$/);
    assert.notEqual(b3[0], b3[1], 'each message is its own span');
    const plain = setup({ url: app.url });
    void plain.session.request('session:new', { call_sid: 'CA2' }).catch(() => undefined);
    await until(() => app.messages.length === 3, 'the untraced session:new');
    assert.equal(app.messages[2].b3, undefined);
  });

  it('the handshake is signed like a webhook (Jambonz-Signature over an empty body) when the account has a secret; unsigned without one', async () => {
    const app = await server();
    const signed = setup({ url: app.url, target: { url: app.url, secret: 'whsec' } });
    void signed.session.request('session:new', { call_sid: 'CA1' }).catch(() => undefined);
    await until(() => app.signatures.length === 1, 'the signed handshake');
    const header = app.signatures[0] ?? '';
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.ok(verifySignature(header, 'whsec', '', signed.clock.wallNow() / 1000), header);
    assert.ok(!verifySignature(header, 'other', '', signed.clock.wallNow() / 1000));
    const plain = setup({ url: app.url });
    void plain.session.request('session:new', { call_sid: 'CA2' }).catch(() => undefined);
    await until(() => app.signatures.length === 2, 'the unsigned handshake');
    assert.equal(app.signatures[1], undefined);
  });

  it('§6.2 call:status before session:new goes right after it; verb:hook carries its hook string', async () => {
    const app = await server();
    const { session } = setup({ url: app.url });
    session.notify('call:status', { call_status: 'trying' });
    const first = session.request('session:new', { a: 1 });
    await until(() => app.messages.length === 2, 'two messages');
    assert.deepEqual(app.messages.map((m) => m.type), ['session:new', 'call:status']);
    app.last().send(JSON.stringify({ type: 'ack', msgid: app.messages[0].msgid }));
    assert.equal(await first, undefined);
    const hook = session.request('verb:hook', { digits: '1' }, '/gather-done');
    await until(() => app.of('verb:hook').length === 1, 'verb:hook');
    assert.equal(app.of('verb:hook')[0].hook, '/gather-done');
    app.last().send(JSON.stringify({ type: 'ack', msgid: app.of('verb:hook')[0].msgid, data: [{ verb: 'say', text: 'hi' }] }));
    assert.deepEqual(await hook, [{ verb: 'say', text: 'hi' }]);
  });

  it('§6.2 no ack to session:new within 5 s fails it; no ack to verb:hook goes on without verbs', async () => {
    const app = await server();
    const { session, clock } = setup({ url: app.url });
    const first = session.request('session:new', {});
    await until(() => app.of('session:new').length === 1, 'session:new');
    clock.advance(4999);
    const hook = session.request('verb:hook', {}, '/h');
    await until(() => app.of('verb:hook').length === 1, 'verb:hook');
    clock.advance(1);
    await assert.rejects(first, (e: unknown) => e instanceof WebhookError && e.code === 'WEBHOOK_TIMEOUT');
    clock.advance(4998);
    let settled = false;
    void hook.then(() => { settled = true; });
    await new Promise((r) => setImmediate(r));
    assert.equal(settled, false);
    clock.advance(1);
    assert.equal(await hook, undefined);
  });

  it('§6.1 an opening handshake that does not finish within 1.5 s fails like an unreachable webhook', async () => {
    const conns: Socket[] = [];
    const silent: Server = createServer((c) => conns.push(c));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => {
      for (const c of conns) c.destroy();
      silent.close(() => r());
    }));
    const { session, clock } = setup({ url: `ws://127.0.0.1:${(silent.address() as AddressInfo).port}/`, maxReconnects: 0 });
    const first = session.request('session:new', {});
    let done = false;
    first.catch(() => undefined).finally(() => { done = true; });
    await new Promise((r) => setTimeout(r, 50));
    clock.advance(1499);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    clock.advance(1);
    await assert.rejects(first, (e: unknown) => e instanceof WebhookError && e.code === 'WEBHOOK_TIMEOUT');
  });

  it('§6.1 a socket that never opens fails session:new with WEBHOOK_CONNECT after the retries', async () => {
    const { session, clock } = setup({ url: 'ws://127.0.0.1:1/none', maxReconnects: 2 });
    const first = session.request('session:new', {});
    let done = false;
    first.catch(() => undefined).finally(() => { done = true; });
    for (const ms of [500, 1000]) {
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(done, false);
      clock.advance(ms);
    }
    await assert.rejects(first, (e: unknown) => e instanceof WebhookError && e.code === 'WEBHOOK_CONNECT');
  });

  it('§6.2 invalid JSON and a failing command are answered with jambonz:error {msg, details, content}', async () => {
    const app = await server();
    const { session, commands } = setup({ url: app.url });
    const first = session.request('session:new', {});
    await until(() => app.of('session:new').length === 1, 'session:new');
    app.last().send(JSON.stringify({ type: 'ack', msgid: app.messages[0].msgid }));
    await first;
    app.last().send('{not json');
    app.last().send(JSON.stringify({ type: 'command', command: 'nope', data: {} }));
    await until(() => app.of('jambonz:error').length === 2, 'two errors');
    const [bad, failed] = app.of('jambonz:error');
    assert.equal(bad.data.msg, 'InvalidMessage');
    assert.equal(bad.data.content, '{not json');
    assert.match(String(bad.data.details), /JSON/);
    assert.match(String(failed.data.details), /unknown command nope/);
    assert.equal(commands.length, 1);
    assert.equal(session.closed, false);
  });

  it('§6.3 a binary frame closes the socket: the session is lost', async () => {
    const app = await server();
    const { session, lost } = setup({ url: app.url });
    const first = session.request('session:new', {});
    await until(() => app.of('session:new').length === 1, 'session:new');
    app.last().send(Buffer.from([1, 2, 3]), { binary: true });
    await assert.rejects(first);
    assert.ok(lost[0] instanceof WsSessionError && lost[0].code === 'WS_BINARY_FRAME');
  });

  it('§6.1 the app closing the socket (1000) loses the session', async () => {
    const app = await server();
    const { session, lost } = setup({ url: app.url });
    const first = session.request('session:new', {});
    await until(() => app.of('session:new').length === 1, 'session:new');
    app.last().send(JSON.stringify({ type: 'ack', msgid: app.messages[0].msgid }));
    await first;
    app.last().close(1000);
    await until(() => lost.length === 1, 'lost');
    assert.ok(lost[0] instanceof WsSessionError && lost[0].code === 'WS_CLOSED_BY_APP');
  });

  it('§6.1 a dropped socket reconnects after the back-off and sends session:reconnect with the session:new data', async () => {
    const app = await server();
    const { session, clock } = setup({ url: app.url });
    const first = session.request('session:new', { from: '+1555' });
    await until(() => app.of('session:new').length === 1, 'session:new');
    app.last().send(JSON.stringify({ type: 'ack', msgid: app.messages[0].msgid }));
    await first;
    app.last().terminate();
    await new Promise((r) => setTimeout(r, 30));
    const hook = session.request('verb:hook', {}, '/h');
    clock.advance(499);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(app.sockets.length, 1);
    clock.advance(1);
    await until(() => app.of('session:reconnect').length === 1, 'session:reconnect');
    assert.deepEqual(app.of('session:reconnect')[0].data, { from: '+1555' });
    assert.equal(app.of('verb:hook').length, 0, 'nothing goes before the ack of session:reconnect');
    app.last().send(JSON.stringify({ type: 'ack', msgid: app.of('session:reconnect')[0].msgid }));
    await until(() => app.of('verb:hook').length === 1, 'verb:hook after the reconnect');
    app.last().send(JSON.stringify({ type: 'ack', msgid: app.of('verb:hook')[0].msgid }));
    assert.equal(await hook, undefined);
  });

  it('§6.1 after 5 failed reconnects the session is lost', async () => {
    const app = await server();
    const { session, clock, lost } = setup({ url: app.url });
    const first = session.request('session:new', {});
    await until(() => app.of('session:new').length === 1, 'session:new');
    app.last().send(JSON.stringify({ type: 'ack', msgid: app.messages[0].msgid }));
    await first;
    await app.close();
    await until(() => clock.pendingCount === 1, 'the first reconnect timer');
    let delay = 500;
    for (let i = 0; i < 5; i++) {
      assert.equal(lost.length, 0);
      clock.advance(delay);
      delay = nextBackoff(delay);
      await until(() => clock.pendingCount === 1 || lost.length === 1, `attempt ${i + 1}`);
    }
    assert.ok(lost[0] instanceof WsSessionError && lost[0].code === 'WS_RECONNECT_FAILED');
    assert.deepEqual([500, 1000, 2000, 4000].map(nextBackoff), [1000, 2000, 4000, 6000]);
  });

  it('§6.1 a message over the size limit closes the socket from our side (1009) and reconnects', async () => {
    const app = await server();
    const { session } = setup({ url: app.url, open: socketOpener({ clock: new FakeClock(), maxPayload: 100 }) });
    const first = session.request('session:new', {});
    await until(() => app.of('session:new').length === 1, 'session:new');
    let code = 0;
    app.last().on('close', (c) => { code = c; });
    app.last().send(JSON.stringify({ type: 'ack', msgid: app.messages[0].msgid, data: [{ verb: 'say', text: 'x'.repeat(200) }] }));
    await until(() => code !== 0, 'close');
    assert.equal(code, 1009);
    void first.catch(() => undefined);
  });

  it('docs/security.md: the URL policy applies to ws URLs as to webhooks (a refused address fails like an unreachable one)', async () => {
    const app = await server();
    const clock = new FakeClock();
    const { session } = setup({ url: app.url, maxReconnects: 0, open: socketOpener({ clock, urlPolicy: parseUrlPolicy('public') }) });
    await assert.rejects(session.request('session:new', {}), (e: unknown) => e instanceof WebhookError && e.code === 'URL_FORBIDDEN');
    assert.equal(app.sockets.length, 0);
    const allowed = setup({ url: app.url, open: socketOpener({ clock, urlPolicy: parseUrlPolicy('public', '127.0.0.1') }) });
    void allowed.session.request('session:new', {}).catch(() => undefined);
    await until(() => app.sockets.length === 1, 'an allow-listed address connects');
  });

  it('§6.1 a drop before session:new is acked: the ack of session:reconnect stands for it (its verbs start the app)', async () => {
    const app = await server();
    const { session, clock } = setup({ url: app.url });
    const first = session.request('session:new', { from: '+1555' });
    await until(() => app.of('session:new').length === 1, 'session:new');
    app.last().terminate();
    await new Promise((r) => setTimeout(r, 30));
    clock.advance(500);
    await until(() => app.of('session:reconnect').length === 1, 'session:reconnect');
    assert.deepEqual(app.of('session:reconnect')[0].data, { from: '+1555' });
    app.last().send(JSON.stringify({ type: 'ack', msgid: app.of('session:reconnect')[0].msgid, data: [{ verb: 'hangup' }] }));
    assert.deepEqual(await first, [{ verb: 'hangup' }]);
    assert.equal(app.of('session:new').length, 1, 'session:new is not sent again');
  });
});

// `vgw call` and `vgw events` as child processes against a real gateway with the simulator carrier.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { startSimGateway, type SimGateway } from '../testkit/sim-gateway.js';
import { eventually, TEST_ADMIN_KEY } from '../testkit/gateway.js';

const BIN = new URL('../../bin/vgw.js', import.meta.url).pathname;
const SHORT_APP = [{ verb: 'pause', length: 1 }, { verb: 'hangup' }];

let sim: SimGateway;
let shortApp: string;

before(async () => {
  sim = await startSimGateway({ '/app': () => SHORT_APP });
  const app = await sim.t.api('POST', '/v1/Applications', { name: 'short', account_sid: sim.accountSid, call_hook: { url: `${sim.hooks.url}/app`, method: 'POST' } });
  assert.equal(app.status, 201, JSON.stringify(app.body));
  shortApp = (app.body as { sid: string }).sid;
});

after(async () => {
  await sim.close();
});

interface Run {
  readonly child: ChildProcess;
  out: string;
  err: string;
  readonly done: Promise<number | null>;
}

function vgw(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, VGW_URL: sim.t.base, VGW_API_KEY: TEST_ADMIN_KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    child, out: '', err: '',
    done: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  child.stdout?.on('data', (c: Buffer) => { run.out += c.toString(); });
  child.stderr?.on('data', (c: Buffer) => { run.err += c.toString(); });
  return run;
}

async function finished(r: Run, ms = 15_000): Promise<number | null> {
  const timer = setTimeout(() => r.child.kill('SIGKILL'), ms);
  try {
    return await r.done;
  } finally {
    clearTimeout(timer);
  }
}

test('vgw call --to +15550100 follows the call to completed and exits 0', async () => {
  const r = vgw(['call', '--to', '+15550100', '--app', shortApp, '--tag', '{"ref":"cli"}', '--header', 'X-Test: 1']);
  assert.equal(await finished(r), 0, r.out + r.err);
  assert.match(r.out, /^call \S+ placed: /);
  assert.match(r.out, /invite-sent/);
  assert.match(r.out, /status:in-progress/);
  assert.match(r.out, /status:completed/);
  assert.match(r.out, /^final: completed {2}sip_status=200/m);
  const lines = r.out.trim().split('\n');
  assert.match(lines.at(-1) ?? '', /^final: completed/);
});

test('vgw call --to +15550486 exits with the busy code (4) and prints busy', async () => {
  const r = vgw(['call', '--to', '+15550486', '--json']);
  assert.equal(await finished(r), 4, r.out + r.err);
  const objs = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.ok(objs.some((o) => o.event === 'invite-sent'));
  assert.deepEqual({ ...objs.at(-1), duration: 0 }, { call_sid: objs[0].sid, final: true, call_status: 'busy', sip_status: 486, duration: 0, termination_reason: 'Busy Here' });
});

test('vgw call with a wrong key prints the API message and exits 2; without a key it says to set VGW_API_KEY', async () => {
  const wrong = vgw(['call', '--to', '+15550100'], { VGW_API_KEY: 'not-a-key' });
  assert.equal(await finished(wrong), 2);
  assert.match(wrong.err, /vgw call: 401 unauthorized/);
  const none = vgw(['call', '--to', '+15550100'], { VGW_API_KEY: '' });
  assert.equal(await finished(none), 2);
  assert.match(none.err, /set VGW_API_KEY/);
  const badFrom = vgw(['call', '--to', '+15550100', '--from', '+1999']);
  assert.equal(await finished(badFrom), 2);
  assert.match(badFrom.err, /^ {2}from: .*not a phone number of this account/m);
});

test('vgw call --no-follow uses the demo account, application and number, and exits at once', async () => {
  const r = vgw(['call', '--to', '+15550100', '--no-follow', '--json']);
  assert.equal(await finished(r), 0, r.err);
  const placed = JSON.parse(r.out) as { sid: string; account_sid: string; from: string };
  assert.equal(placed.account_sid, sim.accountSid);
  assert.equal(placed.from.replace(/^\+/, ''), '15551230000');
  const path = `/v1/Accounts/${sim.accountSid}/Calls/${placed.sid}`;
  const live = await sim.t.api('GET', path);
  assert.equal(live.status, 200);
  assert.equal((live.body as { application_sid: string }).application_sid, sim.t.gw.demo?.applicationSid);
  // Hang up once answered (a CANCELled INVITE keeps a 32 s SIP timer alive after the gateway closes).
  const deadline = Date.now() + 5_000;
  while (((await sim.t.api('GET', path)).body as { call_status: string }).call_status !== 'in-progress') {
    assert.ok(Date.now() < deadline, 'the call was not answered');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal((await sim.t.api('DELETE', path)).status, 204);
});

test('vgw events --follow prints a placed call appearing, changing status and ending; Ctrl-C exits 0', async () => {
  const r = vgw(['events', '--follow']);
  await eventually(() => r.err.includes('watching the live calls'), 10_000, 'events to start');
  const sid = await sim.call('+15550100');
  await eventually(() => r.out.includes(`${sid}  ended   completed`), 10_000, 'the completed line');
  r.child.kill('SIGINT');
  assert.equal(await finished(r), 0, r.err);
  const mine = r.out.split('\n').filter((l) => l.includes(sid));
  assert.match(mine[0], /new {5}outbound \+?15551230000 → \+15550100 {2}(trying|ringing|in-progress)/);
  assert.ok(mine.some((l) => / status {2}in-progress$/.test(l)), r.out);
  assert.match(mine.at(-1) ?? '', /ended {3}completed {2}sip_status=200 {2}duration=\d+s/);
});

test('vgw events --follow --call follows one call to its end and exits with its outcome', async () => {
  const sid = await sim.call('+15550100');
  const r = vgw(['events', '--follow', '--call', sid]);
  assert.equal(await finished(r), 0, r.err);
  assert.match(r.out, /status:in-progress/);
  assert.match(r.out, /^final: completed/m);
  const once = vgw(['events', '--call', sid]);
  assert.equal(await finished(once), 0, once.err);
  assert.match(once.out, /^status: completed$/m);
});

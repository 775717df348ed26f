import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKamailio, type NodeState, type RunningKamailio } from '../testkit/kamailio.js';
import { startSipp, sippReceivedCount, type SippResult, type SippRun } from '../testkit/sipp.js';
import { freePort } from '../testkit/ports.js';
import { eventually } from '../testkit/gateway.js';

// Issue 16: deploy/kamailio/kamailio.cfg against real peers. The "nodes" are sipp UASs that answer
// OPTIONS (200 alive, or 503 draining) and INVITE → 200 → ACK → BYE, with
// their name in the Contact so the caller can tell which node took each call.

const SDP = `
      v=0
      o=sipp 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000`;

const nodeXml = (optstatus: 200 | 503): string => `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="cluster node">
  <recv request="OPTIONS" optional="true" next="options"/>
  <recv request="INVITE" rrs="true"/>
  <send><![CDATA[
      SIP/2.0 100 Trying
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
  ]]></send>
  <send retrans="500"><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      [last_Record-Route:]
      Contact: <sip:[nodename]@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]
${SDP}
  ]]></send>
  <recv request="ACK" crlf="true"/>
  <recv request="BYE" timeout="20000"/>
  <send next="end"><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
  ]]></send>
  <label id="options"/>
  <send><![CDATA[
      SIP/2.0 ${optstatus} Probe Answer
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag02[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0
  ]]></send>
  <label id="end"/>
</scenario>
`;

/** A node's own outbound call: pre-loaded Route to Kamailio (RFC 3261 §8.1.2), R-URI the carrier. */
const NODE_UAC_XML = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="node outbound via proxy">
  <send retrans="500"><![CDATA[
      INVITE sip:+4930111222@[carrier] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      Route: <sip:[remote_ip]:[remote_port];lr>
      From: <sip:node@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:+4930111222@[carrier]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:node@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]
${SDP}
  ]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
      ACK [next_url] SIP/2.0
      [routes]
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:node@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:+4930111222@[carrier]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
  <send retrans="500"><![CDATA[
      BYE [next_url] SIP/2.0
      [routes]
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:node@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:+4930111222@[carrier]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0
  ]]></send>
  <recv response="200" crlf="true"/>
</scenario>
`;

interface Env { dir: string; nodeUacXml: string }

function scenarios(): Env {
  const dir = mkdtempSync(join(tmpdir(), 'vgw-kam-e2e-'));
  for (const status of [200, 503] as const) writeFileSync(join(dir, `node_${status}.xml`), nodeXml(status));
  writeFileSync(join(dir, 'node_uac.xml'), NODE_UAC_XML);
  return { dir, nodeUacXml: join(dir, 'node_uac.xml') };
}

function startNode(env: Env, name: string, port: number, optstatus: 200 | 503): Promise<SippRun> {
  return startSipp({ scenario: join(env.dir, `node_${optstatus}.xml`), port, calls: 100000, timeoutSeconds: 120, extra: ['-key', 'nodename', name] });
}

/** Places `calls` calls through Kamailio; returns how many each node answered (by 200's Contact). */
async function callThrough(k: RunningKamailio, calls: number): Promise<{ result: SippResult; byNode: Map<string, number> }> {
  const uac = await startSipp({ scenario: 'uac_call.xml', target: `${k.address}:${k.port}`, calls, timeoutSeconds: 30, extra: ['-s', '4930999000', '-r', '50'] });
  const result = await uac.done;
  assert.equal(result.successful, calls, `all ${calls} calls complete (INVITE … BYE through Kamailio): ${result.errors.slice(0, 2000)}`);
  return { result, byNode: answeredBy(result.messages) };
}

/** Distinct Call-IDs answered 200 to the INVITE, per node name in the Contact. */
function answeredBy(messages: string): Map<string, number> {
  const seen = new Map<string, string>();
  for (const block of messages.split(/-{10,}.*\n/)) {
    if (!/message received/.test(block) || !/^SIP\/2\.0 200/m.test(block) || !/^CSeq: 1 INVITE/m.test(block)) continue;
    const node = /^Contact: <sip:([^@]+)@/m.exec(block)?.[1];
    const callId = /^Call-ID: (\S+)/m.exec(block)?.[1];
    if (node && callId) seen.set(callId, node);
  }
  const out = new Map<string, number>();
  for (const n of seen.values()) out.set(n, (out.get(n) ?? 0) + 1);
  return out;
}

function stateOf(states: NodeState[], port: number): NodeState['state'] | undefined {
  return states.find((s) => s.uri.endsWith(`:${port}`))?.state;
}

async function waitState(k: RunningKamailio, port: number, want: NodeState['state'], ms: number): Promise<number> {
  const t0 = Date.now();
  await eventually(async () => stateOf(await k.nodeStates(), port) === want, ms, `node :${port} ${want} (${JSON.stringify(await k.nodeStates())})`);
  return Date.now() - t0;
}

test('issue 16: Kamailio dispatcher — a draining node (503 to OPTIONS) gets no calls, round robin splits 20 calls evenly with BYE through the proxy, a dead node costs one retry and drops out, a node\'s outbound INVITE reaches the carrier record-routed', async () => {
  const env = scenarios();
  const [portA, portB, kport] = [await freePort(), await freePort(), await freePort()];
  const a = await startNode(env, 'node-a', portA, 200);
  let b = await startNode(env, 'node-b', portB, 503);
  let k: RunningKamailio | undefined;
  const stops: Array<() => unknown> = [() => a.kill(), () => b.kill()];
  try {
    // RFC 3261 §11 / dispatcher probing: the list starts every node Active; B's first probe gets 503.
    k = await startKamailio({ port: kport, nodes: [{ address: '127.0.0.1', port: portA }, { address: '127.0.0.1', port: portB }], pingIntervalSec: 1, frTimerMs: 1000 });
    const drained = await waitState(k, portB, 'inactive', 4000);
    assert.ok(drained <= 3000, `the draining node left within ~2 probe intervals (${drained} ms)`);
    assert.equal(stateOf(await k.nodeStates(), portA), 'active');
    let r = await callThrough(k, 6);
    assert.deepEqual([...r.byNode], [['node-a', 6]], 'no call for the draining node');

    // B answers 200 again: back in the set; 20 calls split evenly (round robin), each with its BYE.
    b.kill();
    await b.done;
    b = await startNode(env, 'node-b', portB, 200);
    await waitState(k, portB, 'active', 4000);
    r = await callThrough(k, 20);
    const [na, nb] = [r.byNode.get('node-a') ?? 0, r.byNode.get('node-b') ?? 0];
    assert.equal(na + nb, 20);
    assert.ok(na >= 8 && na <= 12 && nb >= 8 && nb <= 12, `each node 40–60 %: a=${na} b=${nb}`);
    // §16.6 step 4: the 200 carries Kamailio's Record-Route, so ACK and BYE came back through it.
    assert.match(r.result.messages, new RegExp(`^Record-Route: <sip:127\\.0\\.0\\.1:${kport};lr>`, 'm'));

    // B dies (no answer at all). The next two calls: the one sent to B times out after fr_timer and
    // is retried on A (t_on_failure → ds_next_dst); nothing fails. Then probes keep B out.
    b.kill();
    const bDone = await b.done;
    assert.equal(sippReceivedCount(bDone.messages, 'BYE'), nb, 'every call B took ended with a BYE routed to B');
    r = await callThrough(k, 2);
    assert.deepEqual([...r.byNode], [['node-a', 2]]);
    assert.match(k.log(), /node failed \(408\), trying sip:127\.0\.0\.1:\d+/, 'one call failed over from the dead node');
    await waitState(k, portB, 'inactive', 3000);
    r = await callThrough(k, 10);
    assert.deepEqual([...r.byNode], [['node-a', 10]], 'all new calls go to the live node');

    // A node's own initial INVITE (from B's address, a dispatcher destination) with a carrier R-URI
    // is relayed to the carrier and record-routed; ACK and BYE follow the route set through Kamailio.
    const carrier = await startSipp({ scenario: 'uas_ring_answer.xml', timeoutSeconds: 30 });
    stops.push(() => carrier.kill());
    const out = await startSipp({ scenario: env.nodeUacXml, target: `127.0.0.1:${kport}`, port: portB, mediaPort: await freePort(), timeoutSeconds: 20, extra: ['-key', 'carrier', `127.0.0.1:${carrier.port}`] });
    const outDone = await out.done;
    assert.equal(outDone.successful, 1, outDone.errors.slice(0, 2000));
    carrier.kill();
    const seen = await carrier.done;
    assert.equal(sippReceivedCount(seen.messages, 'INVITE'), 1);
    assert.equal(sippReceivedCount(seen.messages, 'BYE'), 1, 'the BYE reached the carrier through Kamailio');
    assert.match(seen.messages, new RegExp(`^Record-Route: <sip:127\\.0\\.0\\.1:${kport};lr>`, 'm'));
    assert.match(seen.messages, new RegExp(`^Via: SIP/2\\.0/UDP 127\\.0\\.0\\.1:${kport};branch=`, 'm'), 'the carrier sees Kamailio as the previous hop');
  } finally {
    for (const s of stops) s();
    await k?.stop();
    rmSync(env.dir, { recursive: true, force: true });
  }
});

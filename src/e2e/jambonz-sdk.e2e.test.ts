import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { eventually } from '../testkit/gateway.js';
import { startSimGateway } from '../testkit/sim-gateway.js';
import { DEMO_FROM } from '../cli/demo.js';

interface SdkClient { calls: { create(opts: Record<string, unknown>): Promise<string | { sid: string }> } }
type Middleware = (req: { get(h: string): string | undefined; body: unknown; url: string }, res: unknown, next: () => void) => void;
interface Sdk {
  (accountSid: string, apiKey: string, opts: { baseUrl: string }): SdkClient;
  WebhookResponse: { verifyJambonzSignature(secret: string | string[]): Middleware };
}

test('issue 5 acceptance 8: the published @jambonz/node-client creates a call unchanged, and its verifyJambonzSignature accepts every webhook', async () => {
  const sdk = createRequire(import.meta.url)('@jambonz/node-client') as Sdk;
  const g = await startSimGateway({ '/app': () => [{ verb: 'say', text: 'Hello from the SDK test.' }, { verb: 'hangup' }] });
  try {
    const client = sdk(g.accountSid, 'test-admin-key-0123456789abcdef', { baseUrl: g.t.base });
    const created = await client.calls.create({
      from: DEMO_FROM,
      to: { type: 'phone', number: '+15550100' },
      call_hook: `${g.hooks.url}/app`,
      call_status_hook: `${g.hooks.url}/status`,
      speech_synthesis_vendor: 'espeak', speech_synthesis_language: 'en-US', speech_synthesis_voice: 'en-us',
      speech_recognizer_vendor: 'google', speech_recognizer_language: 'en-US',
    });
    const sid = typeof created === 'string' ? created : created.sid;
    assert.match(sid, /^[0-9a-f-]{36}$/);
    await eventually(() => g.statuses(sid).find((e) => e.call_status === 'completed'), 15_000, 'completed');
    const secret = ((await g.t.api('GET', `/v1/Accounts/${g.accountSid}/WebhookSecret`)).body as { webhook_secret: string }).webhook_secret;
    const verify = sdk.WebhookResponse.verifyJambonzSignature(secret);
    const requests = g.hooks.seen.filter((h) => h.method === 'POST');
    assert.ok(requests.length >= 5, `webhooks seen: ${requests.length}`);
    for (const h of requests) {
      let passed = false;
      verify({ get: (name) => h.headers[name.toLowerCase()] as string | undefined, body: JSON.parse(h.body), url: h.path }, {}, () => { passed = true; });
      assert.ok(passed, `${h.path} verified by the SDK`);
    }
    assert.throws(() => sdk.WebhookResponse.verifyJambonzSignature('wrong-secret')({ get: (name) => requests[0].headers[name.toLowerCase()] as string, body: JSON.parse(requests[0].body), url: '/' }, {}, () => undefined));
  } finally {
    await g.close();
  }
});

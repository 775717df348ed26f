import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_FROM } from '../cli/demo.js';
import { eventually, TEST_ADMIN_KEY } from '../testkit/gateway.js';
import { startSimGateway, type SimGateway } from '../testkit/sim-gateway.js';
import { startDeepgramServer } from '../testkit/speech/deepgram-server.js';

/**
 * Issue 8 acceptance 1 and 2: the portal in Debian's chromium (driven by playwright-core; no
 * browser is ever downloaded) against the whole gateway with the simulator carrier.
 */
const CHROMIUM = process.env.VGW_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SHOTS = fileURLToPath(new URL('../../artifacts/portal/', import.meta.url));

async function openBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    assert.fail(`chromium is missing at ${CHROMIUM}: install Debian's package (apt-get install -y chromium; \`make test\` does it) or set VGW_CHROMIUM`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'vgw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

async function go(page: Page, link: string, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: link, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
  assert.equal(await page.title(), `${title} · Voice Gateway portal`);
}

/** The error shown next to a field (the `<span>` its input's aria-describedby names). */
function fieldError(page: Page, field: string) {
  return page.locator(`[data-field-error="${field}"]`);
}

test('issue 8: the portal provisions, places a call, follows it live and in recent calls; API errors show next to their fields', async () => {
  mkdirSync(SHOTS, { recursive: true });
  const browser = await openBrowser();
  let sim: SimGateway | undefined;
  const deepgram = await startDeepgramServer({ apiKey: 'dg-portal-secret-key-4321' });
  try {
    sim = await startSimGateway({ '/app': () => [{ verb: 'pause', length: 30 }, { verb: 'hangup' }] });
    const { t, hooks } = sim;
    const simPort = Number(t.gw.simulator?.port);
    const home = await fetch(`${t.base}/`);
    assert.equal(home.status, 200, 'the gateway serves the portal at / (registerPortal in src/main.ts, and `npm run build` built it)');
    assert.match(await home.text(), /portal-assets\//);

    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('dialog', (d) => void d.accept());
    page.on('request', (r) => {
      if (!r.url().startsWith(t.base)) problems.push(`request outside the gateway: ${r.url()}`);
    });

    // Acceptance 2: a wrong key shows the API's message.
    await page.goto(`${t.base}/`);
    await page.getByLabel('API key', { exact: true }).fill('vgw_wrong');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'unauthorized' }).waitFor();
    await shot(page, '01-login-wrong-key');

    await page.getByLabel('API key', { exact: true }).fill(TEST_ADMIN_KEY);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await page.getByLabel('Account', { exact: true }).selectOption({ label: 'demo' });

    // API keys: create an account key; its secret is shown once and works.
    await page.getByRole('button', { name: 'Create key' }).click();
    const token = await page.getByLabel('API key', { exact: true }).inputValue();
    assert.match(token, /^vgw_/);
    const own = await t.api('GET', '/v1/Accounts', undefined, token);
    assert.equal(own.status, 200);
    assert.deepEqual((own.body as Array<{ name: string }>).map((a) => a.name), ['demo']);
    await page.getByRole('button', { name: 'Copy' }).click();
    await shot(page, '02-api-key-created');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: `…${token.slice(-4)}` }).waitFor();
    await shot(page, '03-api-keys');

    // Applications: an invalid webhook URL shows the API's message next to the field.
    await go(page, 'Applications', 'Applications');
    await page.getByLabel('Name', { exact: true }).fill('portal app');
    await page.getByLabel('Webhook URL (call_hook)', { exact: true }).fill('example.com/hook');
    await page.getByRole('button', { name: 'Create application' }).click();
    await fieldError(page, 'call_hook.url').filter({ hasText: 'must be an absolute http(s):// or ws(s):// URL' }).waitFor();
    assert.equal(await page.getByLabel('Webhook URL (call_hook)', { exact: true }).getAttribute('aria-invalid'), 'true');
    await shot(page, '04-application-invalid-url');
    await page.getByLabel('Webhook URL (call_hook)', { exact: true }).fill(`${hooks.url}/app`);
    await page.getByLabel('Status webhook URL (call_status_hook, optional)', { exact: true }).fill(`${hooks.url}/status`);
    await page.getByRole('button', { name: 'Create application' }).click();
    await page.getByRole('cell', { name: 'portal app', exact: true }).waitFor();
    await shot(page, '05-applications');

    // Carriers: one pointing at the simulator carrier.
    await go(page, 'Carriers', 'Carriers');
    await page.getByLabel('Name', { exact: true }).fill('sim-portal');
    await page.getByLabel('Description', { exact: true }).fill('the simulator, added from the portal');
    await page.getByLabel('Gateway host', { exact: true }).fill('127.0.0.1');
    await page.getByLabel('Gateway port', { exact: true }).fill(String(simPort));
    await page.getByRole('button', { name: 'Add carrier' }).click();
    const card = page.getByRole('article', { name: 'sim-portal' });
    await card.getByRole('cell', { name: String(simPort), exact: true }).waitFor();
    await shot(page, '06-carriers');

    // Speech (issue 14): a bad on-prem URI shows next to its field; the key is never shown back; test; delete.
    await go(page, 'Speech', 'Speech');
    await page.getByLabel('API key', { exact: true }).fill('dg-portal-secret-key-4321');
    await page.getByLabel('On-prem STT server', { exact: true }).fill('wss://10.0.0.5:8080');
    await page.getByRole('button', { name: 'Add credential' }).click();
    await fieldError(page, 'deepgram_stt_uri').filter({ hasText: 'without a scheme' }).waitFor();
    // An on-prem Deepgram (the local server speaking its protocol), so the test below is a real one.
    await page.getByLabel('On-prem STT server', { exact: true }).fill(deepgram.hostPort);
    await page.getByLabel('On-prem TTS server', { exact: true }).fill(deepgram.hostPort);
    await page.getByRole('button', { name: 'Add credential' }).click();
    const speechRow = page.getByRole('row').filter({ hasText: 'deepgram' });
    await speechRow.getByRole('cell', { name: '…4321', exact: true }).waitFor();
    assert.equal(await page.getByLabel('API key', { exact: true }).inputValue(), '', 'the secret input is emptied');
    assert.doesNotMatch(await page.content(), /dg-portal-secret/);
    await speechRow.getByRole('button', { name: 'Test deepgram' }).click();
    await page.getByRole('status').filter({ hasText: 'Test of deepgram: TTS: ok; STT: ok.' }).waitFor();
    await shot(page, '06b-speech');
    await speechRow.getByRole('button', { name: 'Delete deepgram' }).click();
    await page.getByRole('cell', { name: 'No speech credentials yet.' }).waitFor();

    // Phone numbers: bound to the application and the carrier; a duplicate shows the API's message.
    await go(page, 'Phone numbers', 'Phone numbers');
    const addNumber = async (n: string): Promise<void> => {
      await page.getByLabel('Phone number', { exact: true }).fill(n);
      await page.getByLabel('Application (inbound calls)', { exact: true }).selectOption({ label: 'portal app' });
      await page.getByLabel('Carrier', { exact: true }).selectOption({ label: 'sim-portal' });
      await page.getByRole('button', { name: 'Add number' }).click();
    };
    await addNumber('+15551230001');
    await page.getByRole('cell', { name: '+15551230001', exact: true }).waitFor();
    await addNumber('15551230001');
    const dup = await t.api('POST', `/v1/Accounts/${sim.accountSid}/PhoneNumbers`, { number: '+15551230001' });
    assert.equal(dup.status, 422);
    const dupMsg = (dup.body as { msg: string }).msg;
    await page.getByRole('alert').filter({ hasText: dupMsg }).waitFor();
    await shot(page, '07-numbers-duplicate');

    // Place a call (the seed's advanced request) to the simulator's human, which stays on the line.
    await go(page, 'Place a call', 'Place a call');
    await page.getByLabel('Advanced (AMD, timeout, tag, headers, notifyUrl)').check();
    await page.getByLabel('Application', { exact: true }).selectOption({ label: 'portal app' });
    await page.getByLabel('From (caller id)', { exact: true }).fill('+15551230001');
    await page.getByLabel('Caller name (optional)', { exact: true }).fill('Vacation Agent');
    await page.getByLabel('Callee number', { exact: true }).fill('+15550100');
    await page.getByLabel('Carrier (trunk)', { exact: true }).selectOption({ label: 'sim-portal' });
    await page.getByLabel('Ring timeout (seconds)', { exact: true }).fill('20');
    await page.getByLabel('tag (JSON object, sent back as customerData)', { exact: true }).fill('{"env": "app", "internalId": "ABDC1234"}');
    await page.getByLabel('SIP headers (JSON object)', { exact: true }).fill('{"User-to-User": "UUID: 1234"}');
    await page.getByLabel('notifyUrl (call events)', { exact: true }).fill(`${hooks.url}/notify`);
    const curl = await page.getByTestId('curl').textContent();
    assert.match(curl ?? '', new RegExp(`/v1/Accounts/${sim.accountSid}/Calls`));
    assert.match(curl ?? '', /"number": "\+15550100"/);
    assert.match(curl ?? '', /"trunk": "sim-portal"/);
    assert.match(curl ?? '', /\$VGW_API_KEY/);
    assert.doesNotMatch(curl ?? '', new RegExp(TEST_ADMIN_KEY));
    await page.getByRole('button', { name: 'Place call' }).click();
    await page.getByTestId('call-status').filter({ hasText: 'in-progress' }).waitFor({ timeout: 15_000 });
    await page.getByRole('cell', { name: 'status:in-progress' }).waitFor();
    const sid = ((await page.getByRole('heading', { level: 2, name: /^Call / }).textContent()) ?? '').replace(/^Call /, '');
    assert.match(sid, /^[0-9a-f-]{36}$/);
    await shot(page, '08-place-call');
    const appHits = await eventually(() => hooks.seen.filter((h) => h.path === '/app' && h.json.call_sid === sid), 5000, 'the application webhook');
    assert.equal(appHits.length, 1, 'the application webhook ran on answer, once');
    assert.deepEqual(appHits[0].json.customerData, { env: 'app', internalId: 'ABDC1234' });

    // Live calls: the call is there, updating without reload; hang it up.
    await go(page, 'Live calls', 'Live calls');
    const row = page.locator(`tr[data-call-sid="${sid}"]`);
    await row.getByText('in-progress').waitFor();
    await row.getByRole('cell', { name: /^0:0[1-9]/ }).waitFor({ timeout: 10_000 });
    await shot(page, '09-live-calls');
    await row.getByRole('button', { name: 'Hang up the call to +15550100' }).click();
    await page.getByRole('cell', { name: 'No live calls.' }).waitFor({ timeout: 10_000 });

    // Recent calls: the call with its timeline.
    await go(page, 'Recent calls', 'Recent calls');
    const recent = page.locator(`tr[data-call-sid="${sid}"]`);
    for (let i = 0; i < 20 && !(await recent.isVisible()); i++) {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(250);
    }
    await recent.getByText('completed').waitFor();
    await recent.getByRole('button', { name: /^Timeline/ }).click();
    const timeline = page.getByRole('table', { name: 'Timeline of the call to +15550100' });
    for (const ev of ['invite-sent', 'status:ringing', 'status:in-progress', 'bye-sent', 'ended']) await timeline.getByRole('cell', { name: ev, exact: true }).waitFor();
    await page.getByLabel('From, to or call sid contains').fill('nothing-matches');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('cell', { name: 'No calls match.' }).waitFor();
    await page.getByLabel('From, to or call sid contains').fill('15550100');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await recent.getByRole('button', { name: /^Hide timeline/ }).waitFor();
    await timeline.waitFor();
    await shot(page, '10-recent-calls');

    // Alerts: the account's list, read from the API in the browser.
    await go(page, 'Alerts', 'Alerts');
    await page.getByText(/^\d+ alerts? · page 1 of \d+$/).waitFor();
    await page.getByRole('table', { name: 'Alerts, newest first' }).waitFor();
    await shot(page, '10b-alerts');

    // An account key sees only its own account (no picker).
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('API key', { exact: true }).fill(token);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('Account: demo').waitFor();
    assert.equal(await page.getByLabel('Account', { exact: true }).count(), 0);
    await go(page, 'Applications', 'Applications');
    await page.getByRole('cell', { name: 'portal app', exact: true }).waitFor();
    await shot(page, '11-account-key');
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await sim?.close();
    await deepgram.close();
  }
});

test('issue 17: the Campaigns page in chromium — create from the form with a CSV upload (a bad row reported by line), start against the simulator, live progress and contacts, pause, export CSV', async () => {
  mkdirSync(SHOTS, { recursive: true });
  const browser = await openBrowser();
  let sim: SimGateway | undefined;
  try {
    sim = await startSimGateway({ '/app': () => [{ verb: 'pause', length: 1 }, { verb: 'hangup' }] });
    const { t, hooks, accountSid } = sim;
    const app = await t.api('POST', '/v1/Applications', { name: 'campaign app', account_sid: accountSid, call_hook: `${hooks.url}/app` });
    assert.equal(app.status, 201, JSON.stringify(app.body));
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${t.base}/`);
    await page.getByLabel('API key', { exact: true }).fill(TEST_ADMIN_KEY);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await page.getByLabel('Account', { exact: true }).selectOption({ label: 'demo' });
    await go(page, 'Campaigns', 'Campaigns');
    await page.getByRole('cell', { name: 'No campaigns yet.' }).waitFor();

    // 20 contacts: humans and busy numbers of the simulator; line 4 of the file is not a number.
    const numbers = Array.from({ length: 20 }, (_, i) => `+1212${400 + i}${i % 4 === 3 ? '0486' : '0100'}`);
    const csv = ['number,name', ...numbers.slice(0, 2).map((n, i) => `${n},c${i}`), 'not-a-number,bad', ...numbers.slice(2).map((n, i) => `${n},c${i + 2}`)].join('\n');
    await page.getByLabel('Name', { exact: true }).fill('portal campaign');
    await page.getByLabel('Application', { exact: true }).selectOption({ label: 'campaign app' });
    await page.getByLabel("From (one or more of the account's numbers, comma separated)", { exact: true }).fill(DEMO_FROM);
    await page.getByLabel("Trunk (carrier name; default: the account's default)", { exact: true }).fill('simulator');
    await page.getByLabel('Calls per second', { exact: true }).fill('1');
    await page.getByLabel('Contacts (CSV with a "number" column)', { exact: true }).setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('status').filter({ hasText: /Campaign portal campaign created \(draft\)\. Contacts: 20 added, 0 duplicates; line 4: / }).waitFor();
    const detail = page.getByRole('region', { name: 'Campaign portal campaign' });
    await detail.getByText('0 of 20 done · 20 pending').waitFor();
    const csvInput = page.getByLabel('Contacts (CSV with a "number" column)', { exact: true });
    assert.equal(await csvInput.inputValue(), '', 'the form is emptied, its file too');
    const listed = page.locator('tr[data-campaign-sid]').filter({ hasText: 'portal campaign' });
    await shot(page, '12-campaign-created');

    // Start: progress and the contact table follow without a reload.
    await detail.getByRole('button', { name: 'Start', exact: true }).click();
    await detail.getByText('running', { exact: true }).waitFor();
    await listed.getByText('running', { exact: true }).waitFor();
    await detail.getByRole('status').filter({ hasText: /^[1-9]\d* of 20 done/ }).waitFor({ timeout: 20_000 });
    await detail.locator(`tr[data-number="${numbers[0]}"]`).getByRole('cell', { name: 'answered', exact: true }).waitFor({ timeout: 20_000 });
    await detail.locator(`tr[data-number="${numbers[3]}"]`).getByRole('cell', { name: 'busy', exact: true }).waitFor({ timeout: 20_000 });
    await shot(page, '13-campaign-running');

    // Pause: no call starts once the campaign reads paused; the rest stay pending.
    await detail.getByRole('button', { name: 'Pause', exact: true }).click();
    await detail.getByText('paused', { exact: true }).waitFor();
    await listed.getByText('paused', { exact: true }).waitFor();
    const list = (await t.api('GET', `/v1/Accounts/${accountSid}/Campaigns`)).body as { sid: string; state: string; counts: Record<string, number> }[];
    assert.equal(list.length, 1);
    const sid = list[0]?.sid ?? '';
    const started = (): number => (t.gw.simulator?.calls ?? []).filter((c) => numbers.includes(`+${c.number}`)).length;
    const before = started();
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(started(), before, 'no call starts while paused');
    const paused = (await t.api('GET', `/v1/Accounts/${accountSid}/Campaigns/${sid}`)).body as { state: string; counts: Record<string, number> };
    assert.equal(paused.state, 'paused');
    assert.ok((paused.counts.pending ?? 0) > 0, `contacts left pending: ${JSON.stringify(paused.counts)}`);
    await detail.getByRole('status').filter({ hasText: ` ${paused.counts.pending ?? 0} pending` }).waitFor();
    await shot(page, '14-campaign-paused');

    // Export: the browser downloads the API's CSV of every contact.
    const download = page.waitForEvent('download');
    await detail.getByRole('button', { name: 'Export CSV' }).click();
    const file = await (await download).path();
    const rows = readFileSync(file, 'utf8').trim().split(/\r?\n/);
    assert.match(rows[0] ?? '', /^number,/);
    assert.equal(rows.length, 21, 'a header and the 20 contacts');
    const api = String((await t.api('GET', `/v1/Accounts/${accountSid}/Campaigns/${sid}/Contacts?format=csv`)).body).trim().split(/\r?\n/);
    assert.deepEqual(rows, api, 'the file is the export of the API');
    assert.ok(rows.some((r) => r.startsWith(`${numbers[0]},`) && r.includes('answered')), rows.join('\n'));
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    await sim?.close();
  }
});

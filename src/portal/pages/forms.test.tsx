import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCOUNT, fakeFetch, renderWithPortal } from '../test-utils.js';
import { ApplicationForm } from './applications.js';
import { CarriersPage } from './carriers.js';
import { LoginPage } from './login.js';
import { PhoneNumbersPage } from './phone-numbers.js';
import { PlaceCallPage } from './place-call.js';
import { ApiKeysPage } from './api-keys.js';

afterEach(() => cleanup());

const input = (label: string): HTMLInputElement => screen.getByLabelText(label) as HTMLInputElement;
const type = (label: string, value: string): void => {
  fireEvent.input(input(label), { target: { value } });
};
/** The error shown next to a field: what its aria-describedby points at. */
function errorOf(label: string): string {
  const el = input(label);
  const ids = (el.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id.endsWith('-error'));
  return ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
}

describe('login', () => {
  it('requires a key without calling the API', async () => {
    const { fetch, seen } = fakeFetch({});
    render(<LoginPage onLogin={() => undefined} fetchImpl={fetch} />);
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() => expect(errorOf('API key')).toBe('is required'));
    expect(input('API key').getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(input('API key'));
    expect(seen).toEqual([]);
  });
  it('shows the API\'s message for a wrong key', async () => {
    const { fetch } = fakeFetch({ 'GET /v1/ApiKeys': () => ({ status: 401, body: { msg: 'unauthorized' } }) });
    render(<LoginPage onLogin={() => undefined} fetchImpl={fetch} />);
    type('API key', 'vgw_nope');
    fireEvent.submit(screen.getByRole('form', { name: 'Log in' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toMatch(/not accepted \(unauthorized\)/));
  });
  it('tells an admin key from an account key', async () => {
    let got: { admin: boolean } | undefined;
    const { fetch } = fakeFetch({
      'GET /v1/ApiKeys': () => ({ status: 200, body: [{ api_key_sid: 'k', account_sid: 'acc-1', scope: 'account' }] }),
      'GET /v1/Accounts': () => ({ status: 200, body: [ACCOUNT] }),
    });
    render(<LoginPage onLogin={(r) => (got = r)} fetchImpl={fetch} />);
    type('API key', 'vgw_account');
    fireEvent.submit(screen.getByRole('form', { name: 'Log in' }));
    await waitFor(() => expect(got?.admin).toBe(false));
  });
});

describe('application form', () => {
  it('checks required fields and basic auth locally', async () => {
    const { fetch, seen } = fakeFetch({});
    renderWithPortal(<ApplicationForm onSaved={() => undefined} />, fetch);
    fireEvent.click(screen.getByLabelText('Webhook uses HTTP basic auth'));
    fireEvent.click(screen.getByRole('button', { name: 'Create application' }));
    await waitFor(() => expect(errorOf('Name')).toBe('is required'));
    expect(errorOf('Webhook URL (call_hook)')).toBe('is required');
    expect(errorOf('Basic auth username')).toBe('is required for basic auth');
    expect(document.activeElement).toBe(input('Name'));
    expect(seen).toEqual([]);
  });
  it('puts the API\'s message for an invalid URL next to the webhook field, and sends hook objects', async () => {
    const { fetch, seen } = fakeFetch({
      'POST /v1/Accounts/acc-1/Applications': () => ({ status: 400, body: { msg: 'invalid request: call_hook.url must be an absolute http(s):// or ws(s):// URL', errors: [{ path: 'call_hook.url', message: 'must be an absolute http(s):// or ws(s):// URL' }] } }),
    });
    renderWithPortal(<ApplicationForm onSaved={() => undefined} />, fetch);
    type('Name', 'app');
    type('Webhook URL (call_hook)', 'example.com/hook');
    fireEvent.click(screen.getByRole('button', { name: 'Create application' }));
    await waitFor(() => expect(errorOf('Webhook URL (call_hook)')).toBe('must be an absolute http(s):// or ws(s):// URL'));
    expect(document.activeElement).toBe(input('Webhook URL (call_hook)'));
    expect(seen[0].body).toEqual({ name: 'app', call_hook: { url: 'example.com/hook', method: 'POST', username: null, password: null } });
  });
});

describe('phone numbers', () => {
  it('shows a duplicate next to the number', async () => {
    const { fetch } = fakeFetch({
      'GET /v1/Accounts/acc-1/PhoneNumbers': () => ({ status: 200, body: [] }),
      'GET /v1/Accounts/acc-1/Applications': () => ({ status: 200, body: [] }),
      'GET /v1/Accounts/acc-1/VoipCarriers': () => ({ status: 200, body: [] }),
      'POST /v1/Accounts/acc-1/PhoneNumbers': () => ({ status: 422, body: { msg: 'number 4930 already exists', errors: [{ path: 'number', message: 'number 4930 already exists' }] } }),
    });
    renderWithPortal(<PhoneNumbersPage />, fetch);
    fireEvent.click(screen.getByRole('button', { name: 'Add number' }));
    await waitFor(() => expect(errorOf('Phone number')).toBe('is required'));
    type('Phone number', '+4930');
    fireEvent.click(screen.getByRole('button', { name: 'Add number' }));
    await waitFor(() => expect(errorOf('Phone number')).toBe('number 4930 already exists'));
    expect(screen.getAllByRole('alert').map((a) => a.textContent).join()).toContain('number 4930 already exists');
  });
});

describe('carriers', () => {
  const lists = { 'GET /v1/Accounts/acc-1/VoipCarriers': () => ({ status: 200, body: [] }), 'GET /v1/Accounts/acc-1/SipGateways': () => ({ status: 200, body: [] }) };
  it('needs credentials for registration and a port in range', async () => {
    const { fetch, seen } = fakeFetch(lists);
    renderWithPortal(<CarriersPage />, fetch);
    type('Name', 'trunk');
    type('Gateway port', '99999');
    fireEvent.click(screen.getByLabelText('Carrier needs SIP registration'));
    fireEvent.click(screen.getByRole('button', { name: 'Add carrier' }));
    await waitFor(() => expect(errorOf('Register username')).toBe('is required when the carrier needs registration'));
    expect(errorOf('Register password')).toBe('is required when the carrier needs registration');
    expect(errorOf('Gateway port')).toBe('must be between 1 and 65535');
    expect(seen.filter((s) => s.method !== 'GET')).toEqual([]);
  });
  it('shows a gateway error next to the gateway field and removes the half-made carrier', async () => {
    const { fetch, seen } = fakeFetch({
      ...lists,
      'POST /v1/Accounts/acc-1/VoipCarriers': () => ({ status: 201, body: { sid: 'car-1' } }),
      'POST /v1/Accounts/acc-1/SipGateways': () => ({ status: 400, body: { msg: 'invalid request: ipv4 must be an IPv4 address or DNS name', errors: [{ path: 'ipv4', message: 'must match pattern' }] } }),
      'DELETE /v1/Accounts/acc-1/VoipCarriers/car-1': () => ({ status: 204 }),
    });
    renderWithPortal(<CarriersPage />, fetch);
    type('Name', 'trunk');
    type('Gateway host', 'bad host!');
    fireEvent.click(screen.getByRole('button', { name: 'Add carrier' }));
    await waitFor(() => expect(errorOf('Gateway host')).toBe('must match pattern'));
    expect(seen.map((s) => `${s.method} ${s.path}`)).toContain('DELETE /v1/Accounts/acc-1/VoipCarriers/car-1');
  });
});

describe('place a call', () => {
  const refs = {
    'GET /v1/Accounts/acc-1/Applications': () => ({ status: 200, body: [{ application_sid: 'app-1', name: 'demo' }] }),
    'GET /v1/Accounts/acc-1/PhoneNumbers': () => ({ status: 200, body: [{ phone_number_sid: 'n', number: '15551230000' }] }),
    'GET /v1/Accounts/acc-1/VoipCarriers': () => ({ status: 200, body: [{ voip_carrier_sid: 'c', name: 'simulator' }] }),
  };
  it('checks the advanced fields locally and keeps the curl command in step', async () => {
    const { fetch, seen } = fakeFetch(refs);
    renderWithPortal(<PlaceCallPage />, fetch);
    type('From (caller id)', '+15551230000');
    type('Callee number', '+15550100');
    expect(screen.getByTestId('curl').textContent).toContain('"number": "+15550100"');
    fireEvent.click(screen.getByLabelText(/^Advanced/));
    type('Ring timeout (seconds)', '0');
    type('tag (JSON object, sent back as customerData)', '{oops');
    fireEvent.click(screen.getByRole('button', { name: 'Place call' }));
    await waitFor(() => expect(errorOf('Ring timeout (seconds)')).toBe('must be between 1 and 600'));
    expect(errorOf('tag (JSON object, sent back as customerData)')).toBe('is not valid JSON');
    expect(screen.getByTestId('curl').textContent).toMatch(/fix the JSON/);
    expect(seen.filter((s) => s.method === 'POST')).toEqual([]);
  });
  it('shows the API\'s caller-id refusal next to From, and maps to.* paths', async () => {
    const { fetch } = fakeFetch({
      ...refs,
      'POST /v1/Accounts/acc-1/Calls': () => ({ status: 400, body: { msg: 'from must be a phone number of the account', errors: [{ path: 'from', message: 'must be a phone number of the account' }, { path: 'to.sipUri', message: 'is required' }] } }),
    });
    renderWithPortal(<PlaceCallPage />, fetch);
    type('From (caller id)', '+1999');
    type('Callee number', 'x');
    fireEvent.click(screen.getByRole('button', { name: 'Place call' }));
    await waitFor(() => expect(errorOf('From (caller id)')).toBe('must be a phone number of the account'));
    expect(errorOf('Callee number')).toBe('is required');
  });
});

describe('api keys', () => {
  it('shows a new key once, with a copy button', async () => {
    const { fetch, seen } = fakeFetch({
      'GET /v1/Accounts/acc-1/ApiKeys': () => ({ status: 200, body: [] }),
      'POST /v1/Accounts/acc-1/ApiKeys': () => ({ status: 201, body: { sid: 'k1', token: 'vgw_secret' } }),
    });
    renderWithPortal(<ApiKeysPage />, fetch);
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    await waitFor(() => expect((screen.getByLabelText('API key') as HTMLInputElement).value).toBe('vgw_secret'));
    expect(screen.getByRole('button', { name: 'Copy' })).toBeTruthy();
    expect(seen.find((s) => s.method === 'POST')?.body).toEqual({ expires_at: null });
    fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByDisplayValue('vgw_secret')).toBeNull();
  });
  it('refuses an expiry in the past before asking the API', async () => {
    const { fetch, seen } = fakeFetch({ 'GET /v1/Accounts/acc-1/ApiKeys': () => ({ status: 200, body: [] }) });
    renderWithPortal(<ApiKeysPage />, fetch);
    type('Expires (optional)', '2000-01-01T00:00');
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    await waitFor(() => expect(errorOf('Expires (optional)')).toBe('must be in the future'));
    expect(seen.filter((s) => s.method === 'POST')).toEqual([]);
  });
});

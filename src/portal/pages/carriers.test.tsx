import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { when } from '../lib/format.js';
import { fakeFetch, renderWithPortal } from '../test-utils.js';
import { CarriersPage } from './carriers.js';

afterEach(() => cleanup());

const carrier = (sid: string, extra: Record<string, unknown>) => ({
  voip_carrier_sid: sid, name: sid, description: null, account_sid: 'acc-1', is_default: false, is_active: true, e164_leading_plus: false,
  requires_register: true, register_username: 'alice', register_password: '********', register_sip_realm: null,
  inbound_auth_username: null, inbound_auth_password: null, tech_prefix: null, outbound_sip_proxy: null, ...extra,
});

const EXPIRES = '2030-01-01T10:00:00.000Z';
const LAST = '2029-12-31T09:00:00.000Z';

describe('carriers: registration status', () => {
  it('shows status, SIP answer and expiry for carriers that register, and "not used" for the others', async () => {
    const { fetch } = fakeFetch({
      'GET /v1/Accounts/acc-1/VoipCarriers': () => ({
        status: 200,
        body: [
          carrier('ok', { register_status: { status: 'registered', sip_status: 200, reason: 'OK', expires_at: EXPIRES, last_registered_at: LAST } }),
          carrier('bad', { register_status: { status: 'failed', sip_status: 403, reason: 'Forbidden', expires_at: null, last_registered_at: LAST } }),
          carrier('nogw', { register_status: { status: 'failed', sip_status: null, reason: 'no gateway to register with', expires_at: null, last_registered_at: null } }),
          carrier('new', { register_status: null }),
          carrier('plain', { requires_register: false, register_username: null, register_status: null }),
        ],
      }),
      'GET /v1/Accounts/acc-1/SipGateways': () => ({ status: 200, body: [] }),
    });
    renderWithPortal(<CarriersPage />, fetch);
    const fact = (sid: string): string => screen.getByTestId(`registration-${sid}`).textContent ?? '';
    await waitFor(() => expect(fact('ok')).toBe(`registered as alice · SIP 200 OK · expires ${when(EXPIRES)}`));
    expect(screen.getByTestId('registration-ok').querySelector('.badge')?.className).toBe('badge s-completed');
    expect(fact('bad')).toBe(`failed as alice · SIP 403 Forbidden · last registered ${when(LAST)}`);
    expect(screen.getByTestId('registration-bad').querySelector('.badge')?.className).toBe('badge s-failed');
    expect(fact('nogw')).toBe('failed as alice · no gateway to register with');
    expect(fact('new')).toBe('required as alice · no status reported yet');
    expect(fact('plain')).toBe('not used');
  });

  it('reads the list again with Refresh', async () => {
    let n = 0;
    const { fetch, seen } = fakeFetch({
      'GET /v1/Accounts/acc-1/VoipCarriers': () => {
        n += 1;
        const status = n === 1 ? { status: 'registering', sip_status: null, reason: null, expires_at: null, last_registered_at: null } : { status: 'registered', sip_status: 200, reason: 'OK', expires_at: EXPIRES, last_registered_at: LAST };
        return { status: 200, body: [carrier('c', { register_status: status })] };
      },
      'GET /v1/Accounts/acc-1/SipGateways': () => ({ status: 200, body: [] }),
    });
    renderWithPortal(<CarriersPage />, fetch);
    await waitFor(() => expect(screen.getByTestId('registration-c').textContent).toBe('registering as alice'));
    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(screen.getByTestId('registration-c').textContent).toMatch(/^registered as alice · SIP 200 OK/));
    expect(seen.filter((s) => s.path.endsWith('/VoipCarriers')).length).toBe(2);
  });
});

describe('carriers: gateway protocol', () => {
  it('offers UDP, TCP, TLS and TLS with SRTP (issue 13 §4), and a TLS gateway is added with protocol tls/srtp', async () => {
    const { fetch, seen } = fakeFetch({
      'GET /v1/Accounts/acc-1/VoipCarriers': () => ({ status: 200, body: [carrier('c', { requires_register: false, register_username: null, register_status: null })] }),
      'GET /v1/Accounts/acc-1/SipGateways': () => ({ status: 200, body: [] }),
      'POST /v1/Accounts/acc-1/SipGateways': () => ({ status: 201, body: { sid: 'gw-1' } }),
    });
    renderWithPortal(<CarriersPage />, fetch);
    const select = await waitFor(() => screen.getByRole('combobox', { name: 'Protocol' }) as HTMLSelectElement);
    expect([...select.options].map((o) => [o.value, o.text])).toEqual([['udp', 'UDP'], ['tcp', 'TCP'], ['tls', 'TLS'], ['tls/srtp', 'TLS + SRTP']]);
    fireEvent.input(screen.getByRole('textbox', { name: 'Host' }), { target: { value: 'sip.pstnhub.example' } });
    fireEvent.input(screen.getByRole('textbox', { name: 'Port' }), { target: { value: '5061' } });
    fireEvent.change(select, { target: { value: 'tls/srtp' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add gateway' }));
    await waitFor(() => expect(seen.some((s) => s.method === 'POST' && s.path.endsWith('/SipGateways'))).toBe(true));
    const post = seen.find((s) => s.method === 'POST' && s.path.endsWith('/SipGateways'));
    expect(post?.body).toMatchObject({ ipv4: 'sip.pstnhub.example', port: 5061, protocol: 'tls/srtp' });
  });
});

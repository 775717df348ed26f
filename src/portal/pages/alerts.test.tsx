import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { when } from '../lib/format.js';
import { fakeFetch, renderWithPortal } from '../test-utils.js';
import { alertContext, AlertsPage, alertsQuery } from './alerts.js';

afterEach(() => cleanup());

const TIME = '2030-01-01T10:00:00.000Z';
const alert = (sid: string, extra: Record<string, unknown> = {}) => ({
  alert_sid: sid, time: TIME, account_sid: 'acc-1', alert_type: 'webhook-failure', message: 'call_hook answered 500', detail: null,
  call_sid: 'CA1', vendor: null, target_sid: null, url: 'https://app.test/hook', status: 500, count: null, ...extra,
});

describe('alerts page', () => {
  it('lists alerts with time, type, message, call and context; the type filter asks the API', async () => {
    const { fetch, seen } = fakeFetch({
      'GET /v1/Accounts/acc-1/Alerts?page=1&count=25&alert_type=invalid-app-payload': () => ({ status: 200, body: { total: 1, page: 1, page_size: 25, data: [alert('a3', { alert_type: 'invalid-app-payload', message: 'gather: numDigits must be a number', url: null, status: null, detail: 'verb 2' })] } }),
      'GET /v1/Accounts/acc-1/Alerts': () => ({ status: 200, body: { total: 2, page: 1, page_size: 25, data: [alert('a1'), alert('a2', { call_sid: null, alert_type: 'tts-failure', message: 'espeak-ng failed', url: null, status: null })] } }),
    });
    renderWithPortal(<AlertsPage />, fetch);
    await waitFor(() => expect(screen.getByText('2 alerts · page 1 of 1')).toBeTruthy());
    const row = (sid: string): string[] => [...(document.querySelector(`tr[data-alert-sid="${sid}"]`)?.querySelectorAll('td') ?? [])].map((td) => td.textContent ?? '');
    expect(row('a1')).toEqual([when(TIME), 'webhook-failure', 'call_hook answered 500', 'CA1', 'https://app.test/hook · HTTP 500']);
    expect(row('a2')).toEqual([when(TIME), 'tts-failure', 'espeak-ng failed', '—', '—']);
    fireEvent.change(screen.getByLabelText('Type'), { target: { value: 'invalid-app-payload' } });
    await waitFor(() => expect(screen.getByText('1 alert · page 1 of 1')).toBeTruthy());
    expect(row('a3')[4]).toBe('verb 2');
    expect(seen.at(-1)?.path).toBe('/v1/Accounts/acc-1/Alerts?page=1&count=25&alert_type=invalid-app-payload');
  });

  it('shows the API error and an empty list as such', async () => {
    const { fetch } = fakeFetch({ 'GET /v1/Accounts/acc-1/Alerts': () => ({ status: 200, body: { total: 0, page: 1, page_size: 25, data: [] } }) });
    renderWithPortal(<AlertsPage />, fetch);
    await waitFor(() => expect(screen.getByText('No alerts.')).toBeTruthy());
    const failing = fakeFetch({ 'GET /v1/Accounts/acc-1/Alerts': () => ({ status: 403, body: { msg: 'insufficient permissions' } }) });
    cleanup();
    renderWithPortal(<AlertsPage />, failing.fetch);
    await waitFor(() => expect(screen.getByText(/insufficient permissions/)).toBeTruthy());
  });

  it('builds its query and context text', () => {
    expect(alertsQuery(2, '')).toBe('page=2&count=25');
    expect(alertContext({ url: null, status: null, detail: null })).toBe('');
  });
});

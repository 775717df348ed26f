import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeFetch, renderWithPortal } from '../test-utils.js';
import { campaignBody, CampaignsPage, contactsQuery, EMPTY_CAMPAIGN, perMinute } from './campaigns.js';

afterEach(() => cleanup());

const counts = (over: Record<string, number> = {}) => ({ pending: 2, dialing: 1, scheduled: 0, done: 1, human: 1, machine: 0, answered: 0, busy: 0, 'no-answer': 0, failed: 0, dnc: 0, expired: 0, ...over });
const view = (state: string, over: Record<string, number> = {}) => ({ sid: 'c1', name: 'reminders', state, pacing: { cps: 2 }, counts: counts(over), progress: { cps: 1.9, concurrency: 1, answer_rate: 1, eta_seconds: 2 } });

describe('campaigns page', () => {
  it('builds the campaign body, the contacts query and calls per minute by outcome', () => {
    expect(campaignBody({ ...EMPTY_CAMPAIGN, name: 'r', application_sid: 'a1', from: '+1555, +1556', 'pacing.cps': '2', 'window.start': '09:00', 'window.end': '20:00', 'schedule.timezone': 'Europe/Berlin' })).toEqual({
      name: 'r', application_sid: 'a1', from: ['+1555', '+1556'], pacing: { cps: 2 },
      schedule: { timezone: 'Europe/Berlin', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '20:00' }] }, voicemail: { action: 'hangup' },
    });
    expect(contactsQuery(2, 'done', 'busy')).toBe('page=2&count=25&state=done&outcome=busy');
    const m = perMinute([{ at: 0, counts: { human: 0, busy: 0 } }, { at: 30_000, counts: { human: 2, busy: 1 } }, { at: 70_000, counts: { human: 5, busy: 1 } }]);
    expect(m.map((x) => [x.minute, x.by.human, x.by.busy])).toEqual([[0, 2, 1], [60_000, 3, 0]]);
  });

  it('lists campaigns; opening one shows its progress, starts it, filters the contacts and exports them as CSV', async () => {
    let state = 'draft';
    const { fetch, seen } = fakeFetch({
      'GET /v1/Accounts/acc-1/Campaigns/c1/Contacts?format=csv': () => ({ status: 200, body: 'number,state\r\n+12125550100,done\r\n' }),
      'GET /v1/Accounts/acc-1/Campaigns/c1/Contacts?page=1&count=25&outcome=human': () => ({ status: 200, body: { total: 1, data: [{ number: '+12125550100', state: 'done', outcome: 'human', attempts: 1, next_attempt_at: null }] } }),
      'GET /v1/Accounts/acc-1/Campaigns/c1/Contacts': () => ({ status: 200, body: { total: 2, data: [{ number: '+12125550100', state: 'done', outcome: 'human', attempts: 1, next_attempt_at: null }, { number: '+12125550101', state: 'pending', outcome: null, attempts: 0, next_attempt_at: null }] } }),
      'GET /v1/Accounts/acc-1/Campaigns/c1': () => ({ status: 200, body: view(state) }),
      'PUT /v1/Accounts/acc-1/Campaigns/c1': (b) => { state = (b as { state: string }).state; return { status: 200, body: view(state) }; },
      'GET /v1/Accounts/acc-1/Campaigns': () => ({ status: 200, body: [view(state)] }),
      'GET /v1/Accounts/acc-1/Applications': () => ({ status: 200, body: [] }),
    });
    const created: string[] = [];
    URL.createObjectURL = () => { created.push('blob'); return 'blob:x'; };
    renderWithPortal(<CampaignsPage />, fetch);
    await waitFor(() => expect(screen.getByText('Open reminders')).toBeTruthy());
    fireEvent.click(screen.getByText('Open reminders'));
    await waitFor(() => expect(screen.getByText(/1 of 4 done · 2 pending · 1 dialling · 0 scheduled · 1.9 calls\/s · 1 live · answer rate 100 %/)).toBeTruthy());
    await waitFor(() => expect(document.querySelector('tr[data-number="+12125550101"]')).toBeTruthy());
    fireEvent.click(screen.getByText('Start'));
    await waitFor(() => expect(seen.some((s) => s.method === 'PUT' && (s.body as { state: string }).state === 'running')).toBe(true));
    fireEvent.change(screen.getByLabelText('Outcome'), { target: { value: 'human' } });
    await waitFor(() => expect(document.querySelector('tr[data-number="+12125550101"]')).toBeNull());
    fireEvent.change(screen.getByLabelText('Outcome'), { target: { value: '' } });
    fireEvent.click(screen.getByText('Export CSV'));
    await waitFor(() => expect(created.length).toBe(1));
    expect(seen.some((s) => s.path === '/v1/Accounts/acc-1/Campaigns/c1/Contacts?format=csv')).toBe(true);
  });

  it('creates a campaign, uploads its CSV and shows bad rows by line; API field errors land on their fields', async () => {
    let contactsBody: unknown;
    const { fetch, seen } = fakeFetch({
      'POST /v1/Accounts/acc-1/Campaigns/c9/Contacts': (b) => { contactsBody = b; return { status: 200, body: { added: 1, duplicates: 0, errors: [{ line: 3, msg: 'number "x" is not a valid E.164 phone number' }] } }; },
      'POST /v1/Accounts/acc-1/Campaigns': (b) => ((b as { from: string[] }).from[0] === 'bad'
        ? { status: 400, body: { msg: 'from[0]: not a number of this account', errors: [{ path: 'from[0]', message: 'not a number of this account' }] } }
        : { status: 201, body: { sid: 'c9' } }),
      'GET /v1/Accounts/acc-1/Campaigns/c9': () => ({ status: 200, body: { ...view('draft'), sid: 'c9' } }),
      'GET /v1/Accounts/acc-1/Campaigns': () => ({ status: 200, body: [] }),
      'GET /v1/Accounts/acc-1/Applications': () => ({ status: 200, body: [{ application_sid: 'app-1', name: 'remind' }] }),
    });
    renderWithPortal(<CampaignsPage />, fetch);
    await waitFor(() => expect(screen.getByText('No campaigns yet.')).toBeTruthy());
    fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'reminders' } });
    fireEvent.change(screen.getByLabelText('Application'), { target: { value: 'app-1' } });
    fireEvent.input(screen.getByLabelText(/^From/), { target: { value: 'bad' } });
    fireEvent.click(screen.getByText('Create'));
    await waitFor(() => expect(document.querySelector('[data-field-error="from"]')?.textContent).toBe('not a number of this account'));
    fireEvent.input(screen.getByLabelText(/^From/), { target: { value: '+15551230000' } });
    const input = screen.getByLabelText(/Contacts \(CSV/) as HTMLInputElement;
    const csv = 'number,name\n+12125550100,Ann\nx,Bob\n';
    Object.defineProperty(input, 'files', { value: [{ text: async () => csv }] });
    fireEvent.change(input);
    await new Promise((r) => setTimeout(r, 0));
    fireEvent.click(screen.getByText('Create'));
    await waitFor(() => expect(screen.getByText(/Contacts: 1 added, 0 duplicates; line 3: number "x" is not a valid E.164 phone number/)).toBeTruthy());
    expect(contactsBody).toBe(csv);
    expect(seen.find((s) => s.method === 'POST' && s.path === '/v1/Accounts/acc-1/Campaigns' && (s.body as { from: string[] }).from[0] === '+15551230000')?.body).toEqual({
      name: 'reminders', application_sid: 'app-1', from: ['+15551230000'], pacing: { cps: 1 }, voicemail: { action: 'hangup' },
    });
  });
});

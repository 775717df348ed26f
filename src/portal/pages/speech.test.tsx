import { cleanup, fireEvent, screen, waitFor } from '@testing-library/preact';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeFetch, renderWithPortal } from '../test-utils.js';
import { SpeechPage, speechBody, EMPTY_SPEECH } from './speech.js';

afterEach(() => cleanup());

const cred = (sid: string, extra: Record<string, unknown>) => ({
  speech_credential_sid: sid, account_sid: 'acc-1', service_provider_sid: null, vendor: 'deepgram', label: null, use_for_tts: true, use_for_stt: true,
  created_at: '2026-01-01T00:00:00.000Z', last_used: null, last_tested: null, tts_tested_ok: null, stt_tested_ok: null, ...extra,
});

describe('speech page', () => {
  it('lists credentials with only the last characters of their keys', async () => {
    const { fetch } = fakeFetch({
      'GET /v1/Accounts/acc-1/SpeechCredentials': () => ({ status: 200, body: [cred('c1', { api_key: 'XXXXXXXXXXXXXXabcd' }), cred('c2', { vendor: 'microsoft', label: 'eu', use_for_stt: false, api_key: 'XXXXXXXXXXwxyz', region: 'westeurope' })] }),
    });
    renderWithPortal(<SpeechPage />, fetch);
    const row = await waitFor(() => screen.getByTestId('speech-c2'));
    expect(row.textContent).toContain('microsoft');
    expect(row.textContent).toContain('eu');
    expect(row.textContent).toContain('…wxyz');
    expect(row.textContent).not.toContain('XXXX');
    expect(screen.getByTestId('speech-c1').textContent).toContain('TTS + STT');
  });

  it('adds a credential with the chosen vendor\'s fields; the secret input is a password field and is emptied after saving', async () => {
    const { fetch, seen } = fakeFetch({
      'POST /v1/Accounts/acc-1/SpeechCredentials': () => ({ status: 201, body: { sid: 'new' } }),
      'GET /v1/Accounts/acc-1/SpeechCredentials': () => ({ status: 200, body: [] }),
    });
    renderWithPortal(<SpeechPage />, fetch);
    fireEvent.change(await waitFor(() => screen.getByRole('combobox', { name: 'Vendor' })), { target: { value: 'microsoft' } });
    const key = await waitFor(() => screen.getByLabelText('Subscription key') as HTMLInputElement);
    expect(key.type).toBe('password');
    fireEvent.input(key, { target: { value: 'ms-secret-key-1234' } });
    fireEvent.input(screen.getByRole('textbox', { name: 'Region' }), { target: { value: 'westeurope' } });
    fireEvent.input(screen.getByRole('textbox', { name: 'Label (optional)' }), { target: { value: 'eu' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add credential' }));
    await waitFor(() => expect(seen.some((s) => s.method === 'POST')).toBe(true));
    expect(seen.find((s) => s.method === 'POST')?.body).toEqual({ vendor: 'microsoft', label: 'eu', use_for_tts: true, use_for_stt: true, api_key: 'ms-secret-key-1234', region: 'westeurope', use_custom_stt: false, use_custom_tts: false });
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Speech credential for microsoft added.'));
    expect((screen.getByLabelText('Subscription key') as HTMLInputElement).value).toBe('');
  });

  it('shows the API\'s field error next to the field', async () => {
    const { fetch } = fakeFetch({
      'POST /v1/Accounts/acc-1/SpeechCredentials': () => ({ status: 400, body: { msg: 'deepgram_stt_uri must be host[:port] without a scheme', errors: [{ path: 'deepgram_stt_uri', message: 'must be host[:port] without a scheme' }] } }),
      'GET /v1/Accounts/acc-1/SpeechCredentials': () => ({ status: 200, body: [] }),
    });
    renderWithPortal(<SpeechPage />, fetch);
    fireEvent.input(await waitFor(() => screen.getByRole('textbox', { name: 'On-prem STT server' })), { target: { value: 'wss://10.0.0.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add credential' }));
    await waitFor(() => expect(document.querySelector('[data-field-error="deepgram_stt_uri"]')?.textContent).toBe('must be host[:port] without a scheme'));
  });

  it('tests a credential and shows the result per use; deletes after confirmation', async () => {
    const confirm = vi.fn(() => true);
    Object.defineProperty(window, 'confirm', { value: confirm, configurable: true, writable: true });
    const { fetch, seen } = fakeFetch({
      'GET /v1/Accounts/acc-1/SpeechCredentials/c1/test': () => ({ status: 200, body: { tts: { status: 'ok' }, stt: { status: 'fail', reason: '401 unauthorized' } } }),
      'DELETE /v1/Accounts/acc-1/SpeechCredentials/c1': () => ({ status: 204 }),
      'GET /v1/Accounts/acc-1/SpeechCredentials': () => ({ status: 200, body: [cred('c1', { api_key: 'XXXXXXXXXXXXXXabcd' })] }),
    });
    renderWithPortal(<SpeechPage />, fetch);
    fireEvent.click(await waitFor(() => screen.getByRole('button', { name: 'Test deepgram' })));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Test of deepgram: TTS: ok; STT: fail (401 unauthorized).'));
    fireEvent.click(screen.getByRole('button', { name: 'Delete deepgram' }));
    await waitFor(() => expect(seen.some((s) => s.method === 'DELETE' && s.path === '/v1/Accounts/acc-1/SpeechCredentials/c1')).toBe(true));
    expect(confirm).toHaveBeenCalledOnce();
  });

  it('custom vendors are sent as custom:<name>', () => {
    expect(speechBody({ ...EMPTY_SPEECH, vendor: 'custom', custom_name: 'acme', custom_stt_url: 'wss://stt.example', use_for_tts: false })).toEqual({ vendor: 'custom:acme', use_for_tts: false, use_for_stt: true, custom_stt_url: 'wss://stt.example' });
  });
});

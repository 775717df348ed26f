import { useState } from 'preact/hooks';
import { describeError } from '../lib/api.js';
import { when } from '../lib/format.js';
import type { ApiKey } from '../lib/types.js';
import { futureDate } from '../lib/validate.js';
import { ErrorNote, Page, Status, useLoad, usePortal } from '../ui/common.js';
import { FormShell, SelectField, TextField, useForm } from '../ui/form.js';

/** A new key's secret: shown once, with a copy button. */
function Secret({ token, onDone }: { token: string; onDone(): void }) {
  const [copied, setCopied] = useState('');
  async function copy(): Promise<void> {
    try {
      await navigator.clipboard.writeText(token);
      setCopied('Copied to the clipboard.');
    } catch {
      const el = document.getElementById('new-key-token') as HTMLInputElement | null;
      el?.select();
      setCopied('Select the key and copy it (Ctrl+C).');
    }
  }
  return (
    <div class="secret" role="region" aria-labelledby="secret-title">
      <h2 id="secret-title">Your new API key</h2>
      <p><strong>This is the only time the key is shown.</strong> Store it now; the gateway keeps only a hash.</p>
      <label for="new-key-token">API key</label>
      <div class="row">
        <input id="new-key-token" class="mono" readOnly value={token} onFocus={(e) => (e.currentTarget as HTMLInputElement).select()} />
        <button type="button" onClick={() => void copy()}>Copy</button>
        <button type="button" class="secondary" onClick={onDone}>Done</button>
      </div>
      <Status>{copied}</Status>
    </div>
  );
}

export function ApiKeysPage() {
  const { api, base, admin, account } = usePortal();
  const keys = useLoad(() => api.get<ApiKey[]>(`${base}/ApiKeys`), [base]);
  const [token, setToken] = useState<string>();
  const [note, setNote] = useState<string>();
  const form = useForm({
    id: 'new-key',
    initial: { expires_at: '', scope: 'account' },
    fields: ['expires_at', 'account_sid'],
    rules: { expires_at: [futureDate()] },
    submit: async (v) => {
      const expires = String(v.expires_at).trim();
      const body: Record<string, unknown> = { expires_at: expires ? new Date(expires).toISOString() : null };
      const path = v.scope === 'admin' ? '/v1/ApiKeys' : `${base}/ApiKeys`;
      const r = await api.post<{ sid: string; token: string }>(path, body);
      setToken(r.token);
      form.reset();
      keys.reload();
    },
  });
  async function revoke(k: ApiKey): Promise<void> {
    if (!window.confirm(`Revoke the key ending in ${k.token_hint}? Clients using it stop working at once.`)) return;
    try {
      await api.del(`/v1/ApiKeys/${k.api_key_sid}`);
      setNote(`Key …${k.token_hint} revoked.`);
      keys.reload();
    } catch (e) {
      setNote(describeError(e));
    }
  }
  return (
    <Page title="API keys">
      {token ? (
        <Secret token={token} onDone={() => setToken(undefined)} />
      ) : (
        <FormShell form={form} label="Create an API key">
          <h2>Create a key</h2>
          <div class="grid">
            {admin && (
              <SelectField form={form} name="scope" label="Key for" options={[{ value: 'account', label: `account ${account.name}` }, { value: 'admin', label: 'admin (all accounts)' }]} />
            )}
            <TextField form={form} name="expires_at" label="Expires (optional)" type="datetime-local" hint="Leave empty for a key that does not expire." />
          </div>
          <button type="submit" disabled={form.busy}>Create key</button>
        </FormShell>
      )}
      <h2>Keys of {account.name}</h2>
      <Status>{note}</Status>
      <ErrorNote message={keys.error} />
      <table>
        <caption class="sr-only">API keys</caption>
        <thead>
          <tr><th scope="col">Key</th><th scope="col">Scope</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          {(keys.data ?? []).map((k) => (
            <tr key={k.api_key_sid}>
              <td class="mono">…{k.token_hint}</td>
              <td>{k.scope}</td>
              <td>{when(k.created_at)}</td>
              <td>{k.last_used ? when(k.last_used) : 'never'}</td>
              <td>{k.expires_at ? when(k.expires_at) : 'never'}</td>
              <td><button type="button" class="danger" aria-label={`Revoke key ending in ${k.token_hint}`} onClick={() => void revoke(k)}>Revoke</button></td>
            </tr>
          ))}
          {keys.data?.length === 0 && <tr><td colSpan={6}>No keys yet.</td></tr>}
        </tbody>
      </table>
    </Page>
  );
}

import { useEffect, useRef } from 'preact/hooks';
import { createApi, type Api, type Fetch } from '../lib/api.js';
import type { Account, ApiKey } from '../lib/types.js';
import { required } from '../lib/validate.js';
import { FormShell, TextField, useForm } from '../ui/form.js';

export interface LoginResult {
  readonly key: string;
  readonly api: Api;
  readonly admin: boolean;
  readonly accounts: readonly Account[];
}

/**
 * Checks a key against the API. An admin key lists admin keys (itself among them); an account
 * key lists only its account's keys, and `/Accounts` gives it its own account.
 */
export async function login(key: string, fetchImpl?: Fetch): Promise<LoginResult> {
  const api = createApi(key, fetchImpl);
  const keys = await api.get<ApiKey[]>('/v1/ApiKeys');
  const accounts = await api.get<Account[]>('/v1/Accounts');
  return { key, api, admin: keys.some((k) => k.scope === 'admin'), accounts };
}

export function LoginPage({ onLogin, notice, fetchImpl }: { onLogin(r: LoginResult): void; notice?: string; fetchImpl?: Fetch }) {
  const form = useForm({
    id: 'login',
    initial: { key: '' },
    fields: ['key'],
    rules: { key: [required] },
    submit: async (v) => onLogin(await login(String(v.key).trim(), fetchImpl)),
  });
  const h = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = 'Log in · Voice Gateway portal';
  }, []);
  return (
    <main id="main" class="login">
      <h1 ref={h}>Voice Gateway portal</h1>
      <p>Log in with an API key. It is kept for this browser tab only and sent to this gateway's REST API.</p>
      {notice && <p class="notice" role="status">{notice}</p>}
      <FormShell form={form} label="Log in">
        <TextField form={form} name="key" label="API key" type="password" autoComplete="current-password" required hint="An admin key, or a key of one account (vgw_…)." />
        <button type="submit" disabled={form.busy}>{form.busy ? 'Checking…' : 'Log in'}</button>
      </FormShell>
    </main>
  );
}

import { useState } from 'preact/hooks';
import { describeError } from '../lib/api.js';
import { hookUrl, shortSid } from '../lib/format.js';
import type { Application, Hook } from '../lib/types.js';
import { required, requiredIf, type Values } from '../lib/validate.js';
import { ErrorNote, Page, Status, useLoad, usePortal } from '../ui/common.js';
import { CheckboxField, FormShell, SelectField, TextField, useForm } from '../ui/form.js';

const METHODS = [
  { value: 'POST', label: 'POST' },
  { value: 'GET', label: 'GET' },
];

export const APPLICATION_FIELDS = ['name', 'call_hook.url', 'call_hook.method', 'call_hook.username', 'call_hook.password', 'call_status_hook.url', 'call_status_hook.method'];

export const EMPTY_APPLICATION: Values = {
  name: '', 'call_hook.url': '', 'call_hook.method': 'POST', auth: false, 'call_hook.username': '', 'call_hook.password': '', 'call_status_hook.url': '', 'call_status_hook.method': 'POST',
};

export const APPLICATION_RULES = {
  name: [required],
  'call_hook.url': [required],
  'call_hook.username': [requiredIf('auth', 'for basic auth')],
  'call_hook.password': [requiredIf('auth', 'for basic auth')],
};

export function applicationValues(a: Application): Values {
  const h = a.call_hook;
  return {
    name: a.name,
    'call_hook.url': h?.url ?? '',
    'call_hook.method': (h?.method ?? 'POST').toUpperCase(),
    auth: Boolean(h?.username),
    'call_hook.username': h?.username ?? '',
    'call_hook.password': h?.password ?? '',
    'call_status_hook.url': a.call_status_hook?.url ?? '',
    'call_status_hook.method': (a.call_status_hook?.method ?? 'POST').toUpperCase(),
  };
}

/** Form values → the API's body: hooks as `{url, method, username, password}`. */
export function applicationBody(v: Values, editing: boolean): Record<string, unknown> {
  const s = (k: string): string => String(v[k] ?? '').trim();
  const auth = v.auth === true;
  const body: Record<string, unknown> = {
    name: s('name'),
    call_hook: { url: s('call_hook.url'), method: s('call_hook.method') || 'POST', username: auth ? s('call_hook.username') : null, password: auth ? s('call_hook.password') : null },
  };
  if (s('call_status_hook.url')) body.call_status_hook = { url: s('call_status_hook.url'), method: s('call_status_hook.method') || 'POST' };
  else if (editing) body.call_status_hook = null;
  return body;
}

export function ApplicationForm({ editing, onSaved, onCancel }: { editing?: Application; onSaved(msg: string): void; onCancel?(): void }) {
  const { api, base } = usePortal();
  const form = useForm({
    id: 'application',
    initial: editing ? applicationValues(editing) : EMPTY_APPLICATION,
    fields: APPLICATION_FIELDS,
    rules: APPLICATION_RULES,
    submit: async (v) => {
      if (editing) {
        await api.put(`${base}/Applications/${editing.application_sid}`, applicationBody(v, true));
        onSaved(`Application ${String(v.name)} saved.`);
      } else {
        await api.post(`${base}/Applications`, applicationBody(v, false));
        form.reset();
        onSaved(`Application ${String(v.name)} created.`);
      }
    },
  });
  return (
    <FormShell form={form} label={editing ? `Edit application ${editing.name}` : 'Create an application'}>
      <h2>{editing ? `Edit ${editing.name}` : 'New application'}</h2>
      <div class="grid">
        <TextField form={form} name="name" label="Name" required />
        <TextField form={form} name="call_hook.url" label="Webhook URL (call_hook)" inputMode="url" required placeholder="https://example.com/voice" hint="Requested when a call is answered; answers with a JSON list of verbs." />
        <SelectField form={form} name="call_hook.method" label="Webhook method" options={METHODS} />
        <CheckboxField form={form} name="auth" label="Webhook uses HTTP basic auth" />
        {form.values.auth === true && (
          <>
            <TextField form={form} name="call_hook.username" label="Basic auth username" />
            <TextField form={form} name="call_hook.password" label="Basic auth password" type="password" autoComplete="new-password" />
          </>
        )}
        <TextField form={form} name="call_status_hook.url" label="Status webhook URL (call_status_hook, optional)" inputMode="url" placeholder="https://example.com/status" />
        <SelectField form={form} name="call_status_hook.method" label="Status webhook method" options={METHODS} />
      </div>
      <div class="row">
        <button type="submit" disabled={form.busy}>{editing ? 'Save application' : 'Create application'}</button>
        {onCancel && <button type="button" class="secondary" onClick={onCancel}>Cancel</button>}
      </div>
    </FormShell>
  );
}

export function ApplicationsPage() {
  const { api, base } = usePortal();
  const apps = useLoad(() => api.get<Application[]>(`${base}/Applications`), [base]);
  const [editing, setEditing] = useState<Application>();
  const [note, setNote] = useState<string>();
  async function remove(a: Application): Promise<void> {
    if (!window.confirm(`Delete the application ${a.name}?`)) return;
    try {
      await api.del(`${base}/Applications/${a.application_sid}`);
      setNote(`Application ${a.name} deleted.`);
      apps.reload();
    } catch (e) {
      setNote(describeError(e));
    }
  }
  const saved = (msg: string): void => {
    setNote(msg);
    setEditing(undefined);
    apps.reload();
  };
  return (
    <Page title="Applications">
      <ApplicationForm key={editing?.application_sid ?? 'new'} editing={editing} onSaved={saved} onCancel={editing ? () => setEditing(undefined) : undefined} />
      <h2>Applications</h2>
      <Status>{note}</Status>
      <ErrorNote message={apps.error} />
      <table>
        <caption class="sr-only">Applications</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Sid</th><th scope="col">Webhook</th><th scope="col">Status webhook</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {(apps.data ?? []).map((a) => (
            <tr key={a.application_sid}>
              <td>{a.name}</td>
              <td class="mono" title={a.application_sid}>{shortSid(a.application_sid)}</td>
              <td class="mono">{hookUrl(a.call_hook as Hook | null)}{a.call_hook?.username ? ' (basic auth)' : ''}</td>
              <td class="mono">{hookUrl(a.call_status_hook)}</td>
              <td class="actions">
                <button type="button" class="secondary" aria-label={`Edit application ${a.name}`} onClick={() => setEditing(a)}>Edit</button>
                <button type="button" class="danger" aria-label={`Delete application ${a.name}`} onClick={() => void remove(a)}>Delete</button>
              </td>
            </tr>
          ))}
          {apps.data?.length === 0 && <tr><td colSpan={5}>No applications yet.</td></tr>}
        </tbody>
      </table>
    </Page>
  );
}

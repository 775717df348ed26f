import { required } from '../lib/validate.js';
import { Page, usePortal } from '../ui/common.js';
import { FormShell, TextField, useForm } from '../ui/form.js';
import type { Account } from '../lib/types.js';

/** Admin keys only: the accounts, and a form to add one. */
export function AccountsPage({ onChanged }: { onChanged(select?: string): void }) {
  const { api, accounts, account } = usePortal();
  const form = useForm({
    id: 'new-account',
    initial: { name: '' },
    fields: ['name'],
    rules: { name: [required] },
    submit: async (v) => {
      const { sid } = await api.post<{ sid: string }>('/v1/Accounts', { name: String(v.name).trim() });
      form.reset();
      onChanged(sid);
    },
  });
  return (
    <Page title="Accounts">
      <FormShell form={form} label="Create an account">
        <h2>New account</h2>
        <div class="grid"><TextField form={form} name="name" label="Account name" required /></div>
        <button type="submit" disabled={form.busy}>Create account</button>
      </FormShell>
      <h2>Accounts</h2>
      <table>
        <caption class="sr-only">Accounts</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Sid</th><th scope="col">Any caller id</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {accounts.map((a: Account) => (
            <tr key={a.account_sid}>
              <td>{a.name}</td>
              <td class="mono">{a.account_sid}</td>
              <td>{a.allow_any_caller_id ? 'yes' : 'no'}</td>
              <td>{a.account_sid === account.account_sid ? 'selected' : <button type="button" class="secondary" onClick={() => onChanged(a.account_sid)}>Work on {a.name}</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Page>
  );
}

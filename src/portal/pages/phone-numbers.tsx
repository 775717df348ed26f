import { useState } from 'preact/hooks';
import { describeError } from '../lib/api.js';
import type { Application, Carrier, PhoneNumber } from '../lib/types.js';
import { required } from '../lib/validate.js';
import { ErrorNote, Page, Status, useLoad, usePortal } from '../ui/common.js';
import { FormShell, SelectField, TextField, useForm, type Option } from '../ui/form.js';

export const NUMBER_FIELDS = ['number', 'application_sid', 'voip_carrier_sid'];

const none = (label: string): Option => ({ value: '', label });
const appOptions = (apps: readonly Application[]): Option[] => [none('— no application —'), ...apps.map((a) => ({ value: a.application_sid, label: a.name }))];
const carrierOptions = (cs: readonly Carrier[]): Option[] => [none('— no carrier —'), ...cs.map((c) => ({ value: c.voip_carrier_sid, label: c.name + (c.account_sid === null ? ' (shared)' : '') }))];

export function PhoneNumbersPage() {
  const { api, base } = usePortal();
  const data = useLoad(async () => {
    const [numbers, apps, carriers] = await Promise.all([
      api.get<PhoneNumber[]>(`${base}/PhoneNumbers`),
      api.get<Application[]>(`${base}/Applications`),
      api.get<Carrier[]>(`${base}/VoipCarriers`),
    ]);
    return { numbers, apps, carriers };
  }, [base]);
  const [note, setNote] = useState<string>();
  const apps = data.data?.apps ?? [];
  const carriers = data.data?.carriers ?? [];
  const form = useForm({
    id: 'new-number',
    initial: { number: '', application_sid: '', voip_carrier_sid: '' },
    fields: NUMBER_FIELDS,
    rules: { number: [required] },
    submit: async (v) => {
      await api.post(`${base}/PhoneNumbers`, {
        number: String(v.number).trim(),
        application_sid: v.application_sid || null,
        voip_carrier_sid: v.voip_carrier_sid || null,
      });
      setNote(`Number ${String(v.number).trim()} added.`);
      form.reset();
      data.reload();
    },
  });
  async function bind(n: PhoneNumber, applicationSid: string): Promise<void> {
    try {
      await api.put(`${base}/PhoneNumbers/${n.phone_number_sid}`, { application_sid: applicationSid || null });
      setNote(`+${n.number} now routes to ${apps.find((a) => a.application_sid === applicationSid)?.name ?? 'no application'}.`);
      data.reload();
    } catch (e) {
      setNote(describeError(e));
    }
  }
  async function remove(n: PhoneNumber): Promise<void> {
    if (!window.confirm(`Remove the number +${n.number}?`)) return;
    try {
      await api.del(`${base}/PhoneNumbers/${n.phone_number_sid}`);
      setNote(`Number +${n.number} removed.`);
      data.reload();
    } catch (e) {
      setNote(describeError(e));
    }
  }
  return (
    <Page title="Phone numbers">
      <FormShell form={form} label="Add a phone number">
        <h2>Add a number</h2>
        <div class="grid">
          <TextField form={form} name="number" label="Phone number" inputMode="tel" required placeholder="+4930123456" hint="With or without the leading +: it is the same number." />
          <SelectField form={form} name="application_sid" label="Application (inbound calls)" options={appOptions(apps)} />
          <SelectField form={form} name="voip_carrier_sid" label="Carrier" options={carrierOptions(carriers)} hint="Fixed once the number is added." />
        </div>
        <button type="submit" disabled={form.busy}>Add number</button>
      </FormShell>
      <h2>Numbers</h2>
      <Status>{note}</Status>
      <ErrorNote message={data.error} />
      <table>
        <caption class="sr-only">Phone numbers</caption>
        <thead><tr><th scope="col">Number</th><th scope="col">Application</th><th scope="col">Carrier</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {(data.data?.numbers ?? []).map((n) => (
            <tr key={n.phone_number_sid}>
              <td class="mono">+{n.number}</td>
              <td>
                <label class="sr-only" for={`bind-${n.phone_number_sid}`}>Application for +{n.number}</label>
                <select id={`bind-${n.phone_number_sid}`} value={n.application_sid ?? ''} onChange={(e) => void bind(n, (e.currentTarget as HTMLSelectElement).value)}>
                  {appOptions(apps).map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
                </select>
              </td>
              <td>{carriers.find((c) => c.voip_carrier_sid === n.voip_carrier_sid)?.name ?? '—'}</td>
              <td><button type="button" class="danger" aria-label={`Remove number +${n.number}`} onClick={() => void remove(n)}>Remove</button></td>
            </tr>
          ))}
          {data.data?.numbers.length === 0 && <tr><td colSpan={4}>No numbers yet.</td></tr>}
        </tbody>
      </table>
    </Page>
  );
}

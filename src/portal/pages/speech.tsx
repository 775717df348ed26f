import { useState } from 'preact/hooks';
import { describeError } from '../lib/api.js';
import { when } from '../lib/format.js';
import { jsonObject, required, type Rule, type Values } from '../lib/validate.js';
import { ErrorNote, Page, Status, useLoad, usePortal } from '../ui/common.js';
import { CheckboxField, FormShell, SelectField, TextArea, TextField, useForm } from '../ui/form.js';

/** `GET …/SpeechCredentials` (docs/api.md): secrets arrive obscured and are never shown back in a form. */
export interface SpeechCredential {
  readonly speech_credential_sid: string;
  readonly vendor: string;
  readonly label: string | null;
  readonly use_for_tts: boolean;
  readonly use_for_stt: boolean;
  readonly created_at: string;
  readonly last_used: string | null;
  readonly last_tested: string | null;
  readonly tts_tested_ok: boolean | null;
  readonly stt_tested_ok: boolean | null;
  readonly api_key?: string | null;
  readonly access_key_id?: string | null;
  readonly auth_token?: string | null;
  readonly region?: string | null;
  readonly aws_region?: string | null;
}

interface TestSide {
  readonly status: 'ok' | 'fail' | 'not tested';
  readonly reason?: string;
}

type FieldKind = 'text' | 'secret' | 'flag' | 'json';
interface VendorField {
  readonly name: string;
  readonly label: string;
  readonly kind: FieldKind;
  readonly hint?: string;
  readonly required?: boolean;
}

const VENDORS: readonly { value: string; label: string; fields: readonly VendorField[] }[] = [
  { value: 'deepgram', label: 'Deepgram', fields: [
    { name: 'api_key', label: 'API key', kind: 'secret', hint: 'Not needed for an on-prem server.' },
    { name: 'deepgram_stt_uri', label: 'On-prem STT server', kind: 'text', hint: 'host[:port] without a scheme, e.g. 10.0.0.5:8080.' },
    { name: 'deepgram_stt_use_tls', label: 'STT server uses TLS (wss)', kind: 'flag' },
    { name: 'deepgram_tts_uri', label: 'On-prem TTS server', kind: 'text', hint: 'host[:port] without a scheme.' },
    { name: 'deepgram_tts_use_tls', label: 'TTS server uses TLS (https)', kind: 'flag' },
  ] },
  { value: 'microsoft', label: 'Microsoft', fields: [
    { name: 'api_key', label: 'Subscription key', kind: 'secret' },
    { name: 'region', label: 'Region', kind: 'text', hint: 'e.g. westeurope.' },
    { name: 'use_custom_stt', label: 'Custom STT endpoint', kind: 'flag' },
    { name: 'custom_stt_endpoint_url', label: 'Custom STT endpoint URL', kind: 'text' },
    { name: 'use_custom_tts', label: 'Custom TTS endpoint', kind: 'flag' },
    { name: 'custom_tts_endpoint_url', label: 'Custom TTS endpoint URL', kind: 'text' },
  ] },
  { value: 'google', label: 'Google', fields: [{ name: 'service_key', label: 'Service account key (JSON)', kind: 'json', required: true, hint: 'The key file\'s content; it needs client_email and private_key.' }] },
  { value: 'aws', label: 'AWS', fields: [
    { name: 'access_key_id', label: 'Access key id', kind: 'secret', required: true },
    { name: 'secret_access_key', label: 'Secret access key', kind: 'secret', required: true },
    { name: 'aws_region', label: 'Region', kind: 'text', required: true, hint: 'e.g. us-east-1.' },
  ] },
  { value: 'elevenlabs', label: 'ElevenLabs', fields: [
    { name: 'api_key', label: 'API key', kind: 'secret', required: true },
    { name: 'model_id', label: 'Model', kind: 'text', hint: 'e.g. eleven_turbo_v2.' },
    { name: 'options', label: 'Options (JSON)', kind: 'json' },
  ] },
  { value: 'custom', label: 'Custom (jambonz custom speech API)', fields: [
    { name: 'custom_stt_url', label: 'STT WebSocket URL', kind: 'text', hint: 'wss://…' },
    { name: 'custom_tts_url', label: 'TTS URL', kind: 'text', hint: 'https://…' },
    { name: 'auth_token', label: 'Auth token', kind: 'secret' },
  ] },
];

const ALL_FIELDS = [...new Set(VENDORS.flatMap((v) => v.fields.map((f) => f.name)))];
const fieldsOf = (vendor: string): readonly VendorField[] => VENDORS.find((v) => v.value === vendor)?.fields ?? [];

export const EMPTY_SPEECH: Values = {
  vendor: 'deepgram', custom_name: '', label: '', use_for_tts: true, use_for_stt: true,
  ...Object.fromEntries(ALL_FIELDS.map((n) => [n, VENDORS.some((v) => v.fields.some((f) => f.name === n && f.kind === 'flag')) ? false : ''])),
};

const onlyFor = (vendor: string, rule: Rule): Rule => (v, all) => (all.vendor === vendor ? rule(v, all) : undefined);
const customName: Rule = (v, all) => (all.vendor !== 'custom' ? undefined : /^[A-Za-z0-9_.-]{1,64}$/.test(String(v)) ? undefined : 'letters, digits, _ . - only');

function speechRules(): Record<string, Rule[]> {
  const rules: Record<string, Rule[]> = { custom_name: [customName], options: [jsonObject], service_key: [onlyFor('google', jsonObject)] };
  for (const v of VENDORS) for (const f of v.fields) if (f.required) (rules[f.name] ??= []).push(onlyFor(v.value, required));
  return rules;
}

/** The POST body: the chosen vendor's fields only, empty ones left out. */
export function speechBody(v: Values): Record<string, unknown> {
  const vendor = v.vendor === 'custom' ? `custom:${String(v.custom_name).trim()}` : String(v.vendor);
  const out: Record<string, unknown> = { vendor, use_for_tts: v.use_for_tts === true, use_for_stt: v.use_for_stt === true };
  const label = String(v.label).trim();
  if (label) out.label = label;
  for (const f of fieldsOf(String(v.vendor))) {
    if (f.kind === 'flag') out[f.name] = v[f.name] === true;
    else if (String(v[f.name]).trim() !== '') out[f.name] = String(v[f.name]).trim();
  }
  return out;
}

function Field({ form, f }: { form: ReturnType<typeof useForm>; f: VendorField }) {
  if (f.kind === 'flag') return <CheckboxField form={form} name={f.name} label={f.label} hint={f.hint} />;
  if (f.kind === 'json') return <TextArea form={form} name={f.name} label={f.label} hint={f.hint} rows={4} />;
  return <TextField form={form} name={f.name} label={f.label} hint={f.hint} required={f.required} type={f.kind === 'secret' ? 'password' : 'text'} autoComplete={f.kind === 'secret' ? 'new-password' : 'off'} />;
}

function AddCredential({ onSaved }: { onSaved(msg: string): void }) {
  const { api, base } = usePortal();
  const form = useForm({
    id: 'speech',
    initial: EMPTY_SPEECH,
    fields: ['vendor', 'custom_name', 'label', 'use_for_tts', 'use_for_stt', ...ALL_FIELDS],
    rules: speechRules(),
    submit: async (v) => {
      const body = speechBody(v);
      await api.post(`${base}/SpeechCredentials`, body);
      form.reset({ ...EMPTY_SPEECH, vendor: v.vendor, custom_name: v.custom_name });
      onSaved(`Speech credential for ${String(body.vendor)} added.`);
    },
  });
  const vendor = String(form.values.vendor);
  return (
    <FormShell form={form} label="Add a speech credential">
      <h2>New speech credential</h2>
      <div class="grid">
        <SelectField form={form} name="vendor" label="Vendor" options={VENDORS.map((v) => ({ value: v.value, label: v.label }))} />
        {vendor === 'custom' && <TextField form={form} name="custom_name" label="Custom vendor name" hint="Applications name it custom:<name>." required />}
        <TextField form={form} name="label" label="Label (optional)" hint="Selects among several credentials of one vendor." />
        <CheckboxField form={form} name="use_for_tts" label="Use for text to speech" />
        <CheckboxField form={form} name="use_for_stt" label="Use for speech recognition" />
      </div>
      <fieldset>
        <legend>{VENDORS.find((v) => v.value === vendor)?.label} settings</legend>
        <div class="grid">{fieldsOf(vendor).map((f) => <Field key={`${vendor}-${f.name}`} form={form} f={f} />)}</div>
      </fieldset>
      <button type="submit" disabled={form.busy}>Add credential</button>
    </FormShell>
  );
}

const testedText = (ok: boolean | null): string => (ok === null ? '—' : ok ? 'ok' : 'failed');
const sideText = (what: string, s: TestSide): string => `${what}: ${s.status}${s.reason ? ` (${s.reason})` : ''}`;
/** What identifies the credential without its secret: the obscured key's last characters. */
const keyHint = (c: SpeechCredential): string => {
  const k = c.api_key ?? c.access_key_id ?? c.auth_token;
  return k ? `…${k.slice(-4)}` : '';
};

export function SpeechPage() {
  const { api, base } = usePortal();
  const creds = useLoad(() => api.get<SpeechCredential[]>(`${base}/SpeechCredentials`), [base]);
  const [note, setNote] = useState<string>();
  const [testing, setTesting] = useState<string>();
  const name = (c: SpeechCredential): string => `${c.vendor}${c.label ? ` (${c.label})` : ''}`;
  async function test(c: SpeechCredential): Promise<void> {
    setTesting(c.speech_credential_sid);
    try {
      const r = await api.get<{ tts: TestSide; stt: TestSide }>(`${base}/SpeechCredentials/${c.speech_credential_sid}/test`);
      setNote(`Test of ${name(c)}: ${sideText('TTS', r.tts)}; ${sideText('STT', r.stt)}.`);
      creds.reload();
    } catch (e) {
      setNote(describeError(e));
    } finally {
      setTesting(undefined);
    }
  }
  async function remove(c: SpeechCredential): Promise<void> {
    if (!window.confirm(`Delete the ${name(c)} credential? Calls using it lose that vendor.`)) return;
    try {
      await api.del(`${base}/SpeechCredentials/${c.speech_credential_sid}`);
      setNote(`Deleted the ${name(c)} credential.`);
      creds.reload();
    } catch (e) {
      setNote(describeError(e));
    }
  }
  return (
    <Page title="Speech">
      <p>Credentials of cloud speech vendors for this account. Keys are stored encrypted and never shown again.</p>
      <AddCredential onSaved={(msg) => { setNote(msg); creds.reload(); }} />
      <h2>Speech credentials</h2>
      <Status>{note}</Status>
      <ErrorNote message={creds.error} />
      <table>
        <caption class="sr-only">Speech credentials</caption>
        <thead>
          <tr><th scope="col">Vendor</th><th scope="col">Label</th><th scope="col">Used for</th><th scope="col">Key</th><th scope="col">Last test</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
        </thead>
        <tbody>
          {(creds.data ?? []).map((c) => (
            <tr key={c.speech_credential_sid} data-testid={`speech-${c.speech_credential_sid}`}>
              <td>{c.vendor}</td>
              <td>{c.label ?? '—'}</td>
              <td>{[c.use_for_tts ? 'TTS' : '', c.use_for_stt ? 'STT' : ''].filter(Boolean).join(' + ')}</td>
              <td class="mono">{keyHint(c)}</td>
              <td>{c.last_tested ? `${when(c.last_tested)} · TTS ${testedText(c.tts_tested_ok)} · STT ${testedText(c.stt_tested_ok)}` : 'never'}</td>
              <td>{c.last_used ? when(c.last_used) : 'never'}</td>
              <td class="row">
                <button type="button" class="secondary" aria-label={`Test ${name(c)}`} disabled={testing === c.speech_credential_sid} onClick={() => void test(c)}>Test</button>
                <button type="button" class="danger" aria-label={`Delete ${name(c)}`} onClick={() => void remove(c)}>Delete</button>
              </td>
            </tr>
          ))}
          {creds.data?.length === 0 && <tr><td colSpan={7}>No speech credentials yet.</td></tr>}
        </tbody>
      </table>
    </Page>
  );
}

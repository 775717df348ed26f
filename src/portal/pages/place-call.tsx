import { useState } from 'preact/hooks';
import { ApiError, describeError } from '../lib/api.js';
import { buildCallBody, CALL_FIELDS, curlCommand } from '../lib/call-request.js';
import type { Application, Carrier, PhoneNumber, Timeline } from '../lib/types.js';
import { integer, jsonObject, required, type Values } from '../lib/validate.js';
import { ErrorNote, Page, Status, usePoll, usePortal, useLoad } from '../ui/common.js';
import { FormShell, SelectField, TextArea, TextField, useForm } from '../ui/form.js';
import { TimelineView } from '../ui/timeline.js';

export const FOLLOW_POLL_MS = 1000;

export const CALL_RULES = {
  from: [required],
  'to.number': [required],
  timeout: [integer(1, 600)],
  timeLimit: [integer(1, 86_400)],
  tag: [jsonObject],
  headers: [jsonObject],
};

const TO_ALIASES: Readonly<Record<string, string>> = { 'to.sipUri': 'to.number', 'to.name': 'to.number', to: 'to.number', amd: 'amd.actionHook' };

/** The API names `to.sipUri`/`to.name` where the form has one target field. */
function mapCallError(e: unknown): unknown {
  if (!(e instanceof ApiError)) return e;
  return new ApiError(e.status, e.message, e.errors.map((f) => ({ path: TO_ALIASES[f.path] ?? f.path, message: f.message })));
}

export const EMPTY_CALL: Values = {
  application_sid: '', from: '', callerName: '', 'to.type': 'phone', 'to.number': '', 'to.trunk': '',
  fromHost: '', timeout: '', timeLimit: '', 'amd.actionHook': '', tag: '', headers: '', notifyUrl: '',
};

/** The call's status: the last `status:*` step of its timeline, else what the API reports. */
export function statusOf(t: Timeline): string {
  const last = [...t.timeline].reverse().find((e) => e.event.startsWith('status:'));
  return last ? last.event.slice('status:'.length) : (t.call_status ?? 'queued');
}

/** Follows a placed call: its status and timeline, polled until it is over. */
function FollowCall({ sid, callId }: { sid: string; callId: string }) {
  const { api, base } = usePortal();
  const [tl, setTl] = useState<Timeline>();
  const [error, setError] = useState<string>();
  const [done, setDone] = useState(false);
  usePoll(async () => {
    try {
      const t = await api.get<Timeline>(`${base}/Calls/${sid}/Timeline`);
      setTl(t);
      setError(undefined);
      if (!t.live) setDone(true);
    } catch (e) {
      setError(describeError(e));
    }
  }, FOLLOW_POLL_MS, !done, [sid]);
  async function hangup(): Promise<void> {
    try {
      await api.del(`${base}/Calls/${sid}`);
    } catch (e) {
      setError(describeError(e));
    }
  }
  return (
    <section class="card" aria-labelledby="follow-title">
      <h2 id="follow-title">Call {sid}</h2>
      <p class="mono">SIP Call-ID {callId}</p>
      <Status>
        Status: <strong data-testid="call-status">{tl ? statusOf(tl) : 'queued'}</strong>{tl && (tl.live ? ' (live)' : ' (ended)')}
      </Status>
      <ErrorNote message={error} />
      {tl?.live && <button type="button" class="danger" onClick={() => void hangup()}>Hang up this call</button>}
      {tl && <TimelineView entries={tl.timeline} label="Events of this call" />}
    </section>
  );
}

export function PlaceCallPage() {
  const { api, base, account } = usePortal();
  const [advanced, setAdvanced] = useState(false);
  const [placed, setPlaced] = useState<{ sid: string; callId: string }>();
  const [copied, setCopied] = useState('');
  const refs = useLoad(async () => {
    const [apps, numbers, carriers] = await Promise.all([
      api.get<Application[]>(`${base}/Applications`),
      api.get<PhoneNumber[]>(`${base}/PhoneNumbers`),
      api.get<Carrier[]>(`${base}/VoipCarriers`),
    ]);
    return { apps, numbers, carriers };
  }, [base]);
  const form = useForm({
    id: 'place-call',
    initial: EMPTY_CALL,
    fields: CALL_FIELDS,
    rules: CALL_RULES,
    submit: async (v) => {
      try {
        setPlaced(await api.post<{ sid: string; callId: string }>(`${base}/Calls`, buildCallBody(v, advanced)));
      } catch (e) {
        throw mapCallError(e);
      }
    },
  });
  const apps = refs.data?.apps ?? [];
  const numbers = refs.data?.numbers ?? [];
  const carriers = refs.data?.carriers ?? [];
  let curl: string;
  try {
    curl = curlCommand(location.origin, account.account_sid, buildCallBody(form.values, advanced));
  } catch {
    curl = '(fix the JSON fields to see the request)';
  }
  async function copyCurl(): Promise<void> {
    try {
      await navigator.clipboard.writeText(curl);
      setCopied('Copied.');
    } catch {
      setCopied('Select the text and copy it.');
    }
  }
  return (
    <Page title="Place a call">
      <ErrorNote message={refs.error} />
      <FormShell form={form} label="Place a call">
        <fieldset class="row">
          <legend>Request</legend>
          <label><input type="radio" name="mode" checked={!advanced} onChange={() => setAdvanced(false)} /> Basic</label>
          <label><input type="radio" name="mode" checked={advanced} onChange={() => setAdvanced(true)} /> Advanced (AMD, timeout, tag, headers, notifyUrl)</label>
        </fieldset>
        <div class="grid">
          <SelectField form={form} name="application_sid" label="Application" options={[{ value: '', label: '— choose an application —' }, ...apps.map((a) => ({ value: a.application_sid, label: a.name }))]} hint="Its webhook runs when the callee answers." />
          <TextField form={form} name="from" label="From (caller id)" inputMode="tel" required placeholder={numbers[0] ? `+${numbers[0].number}` : '+4930123456'} hint={account.allow_any_caller_id ? 'Any caller id is allowed for this account.' : `One of the account's numbers: ${numbers.map((n) => `+${n.number}`).join(', ') || 'none yet'}.`} />
          <TextField form={form} name="callerName" label="Caller name (optional)" />
          <SelectField form={form} name="to.type" label="Callee type" options={[{ value: 'phone', label: 'phone number' }, { value: 'sip', label: 'SIP URI' }, { value: 'user', label: 'registered user' }]} />
          <TextField form={form} name="to.number" label={form.values['to.type'] === 'sip' ? 'Callee SIP URI' : form.values['to.type'] === 'user' ? 'Callee user' : 'Callee number'} required placeholder={form.values['to.type'] === 'sip' ? 'sip:alice@example.com' : '+15550100'} />
          {form.values['to.type'] === 'phone' && (
            <SelectField form={form} name="to.trunk" label="Carrier (trunk)" options={[{ value: '', label: '— the account default —' }, ...carriers.map((c) => ({ value: c.name, label: c.name }))]} />
          )}
        </div>
        {advanced && (
          <fieldset>
            <legend>Advanced</legend>
            <div class="grid">
              <TextField form={form} name="fromHost" label="From host" placeholder="cognigy.cloud" />
              <TextField form={form} name="timeout" label="Ring timeout (seconds)" inputMode="numeric" placeholder="20" hint="Unanswered after this: NO_ANSWER." />
              <TextField form={form} name="timeLimit" label="Time limit (seconds)" inputMode="numeric" />
              <TextField form={form} name="amd.actionHook" label="Answering machine detection: actionHook URL" inputMode="url" placeholder="https://webhook.site/…" />
              <TextField form={form} name="notifyUrl" label="notifyUrl (call events)" inputMode="url" placeholder="https://webhook.site/…" />
              <TextArea form={form} name="tag" label="tag (JSON object, sent back as customerData)" placeholder={'{"env": "app", "internalId": "ABDC1234"}'} />
              <TextArea form={form} name="headers" label="SIP headers (JSON object)" placeholder={'{"User-to-User": "UUID: 1234"}'} />
            </div>
          </fieldset>
        )}
        <button type="submit" disabled={form.busy}>{form.busy ? 'Placing…' : 'Place call'}</button>
      </FormShell>
      <section aria-labelledby="curl-title">
        <div class="row">
          <h2 id="curl-title">The same request with curl</h2>
          <button type="button" class="secondary" onClick={() => void copyCurl()}>Copy curl command</button>
          <span role="status">{copied}</span>
        </div>
        <pre class="curl" tabIndex={0} aria-label="curl command" data-testid="curl">{curl}</pre>
        <p class="hint">Set <code>VGW_API_KEY</code> to your key first; the portal does not print it.</p>
      </section>
      {placed && <FollowCall key={placed.sid} sid={placed.sid} callId={placed.callId} />}
    </Page>
  );
}

import { useRef, useState } from 'preact/hooks';
import type { Application } from '../lib/types.js';
import { required, type Values } from '../lib/validate.js';
import { describeError } from '../lib/api.js';
import { ErrorNote, Page, Pager, Status, useLoad, usePoll, usePortal } from '../ui/common.js';
import { FormShell, SelectField, TextField, useForm } from '../ui/form.js';

/** Issue 17: a campaign as GET /Campaigns/{sid} returns it (the fields this page shows). */
export interface CampaignView {
  readonly sid: string;
  readonly name: string;
  readonly state: 'draft' | 'running' | 'paused' | 'completed' | 'stopped';
  readonly pacing: { readonly cps: number; readonly max_concurrent?: number };
  readonly counts: Readonly<Record<string, number>>;
  readonly progress?: { readonly cps: number; readonly concurrency: number; readonly answer_rate: number | null; readonly eta_seconds: number };
}

export interface ContactRow {
  readonly number: string;
  readonly state: string;
  readonly outcome: string | null;
  readonly attempts: number;
  readonly next_attempt_at: string | null;
}

export const OUTCOMES = ['human', 'machine', 'answered', 'busy', 'no-answer', 'failed', 'dnc', 'expired'] as const;
export const STATES = ['pending', 'dialing', 'scheduled', 'done'] as const;
export const CONTACTS_PAGE_SIZE = 25;
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri'];

export const CAMPAIGN_FIELDS = ['name', 'application_sid', 'from', 'trunk', 'pacing.cps', 'pacing.max_concurrent', 'schedule.timezone', 'window.start', 'window.end'];
export const EMPTY_CAMPAIGN: Values = { name: '', application_sid: '', from: '', trunk: '', 'pacing.cps': '1', 'pacing.max_concurrent': '', 'schedule.timezone': '', 'window.start': '', 'window.end': '', voicemail: 'hangup' };

/** The POST /Campaigns body of the form: `from` may list several numbers (comma separated); a window is Mon–Fri. */
export function campaignBody(v: Values): Record<string, unknown> {
  const text = (k: string): string => String(v[k] ?? '').trim();
  const from = text('from').split(',').map((s) => s.trim()).filter(Boolean);
  const schedule: Record<string, unknown> = {};
  if (text('schedule.timezone')) schedule.timezone = text('schedule.timezone');
  if (text('window.start') && text('window.end')) schedule.windows = [{ days: WEEKDAYS, start: text('window.start'), end: text('window.end') }];
  return {
    name: text('name'), application_sid: text('application_sid'), from,
    ...(text('trunk') ? { trunk: text('trunk') } : {}),
    pacing: { cps: Number(text('pacing.cps')), ...(text('pacing.max_concurrent') ? { max_concurrent: Number(text('pacing.max_concurrent')) } : {}) },
    ...(Object.keys(schedule).length > 0 ? { schedule } : {}),
    voicemail: { action: text('voicemail') || 'hangup' },
  };
}

export function contactsQuery(page: number, state: string, outcome: string): string {
  const q = new URLSearchParams({ page: String(page), count: String(CONTACTS_PAGE_SIZE) });
  if (state) q.set('state', state);
  if (outcome) q.set('outcome', outcome);
  return q.toString();
}

/** One poll: when, and the outcome counts then. */
export interface Sample {
  readonly at: number;
  readonly counts: Readonly<Record<string, number>>;
}

/** Calls per minute by outcome: the growth of each outcome's count within each minute of the samples. */
export function perMinute(samples: readonly Sample[]): { minute: number; by: Record<string, number> }[] {
  const out = new Map<number, Record<string, number>>();
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1];
    const b = samples[i];
    if (!a || !b) continue;
    const minute = Math.floor(b.at / 60_000) * 60_000;
    const by = out.get(minute) ?? {};
    for (const o of OUTCOMES) by[o] = (by[o] ?? 0) + Math.max(0, (b.counts[o] ?? 0) - (a.counts[o] ?? 0));
    out.set(minute, by);
  }
  return [...out.entries()].sort((x, y) => x[0] - y[0]).map(([minute, by]) => ({ minute, by }));
}

const COLOURS: Readonly<Record<string, string>> = { human: '#2e7d32', machine: '#6a1b9a', answered: '#0277bd', busy: '#ef6c00', 'no-answer': '#f9a825', failed: '#c62828', dnc: '#546e7a', expired: '#90a4ae' };

/** Stacked bars, one per minute, with the same figures in a table for screen readers. */
function Chart({ samples }: { samples: readonly Sample[] }) {
  const rows = perMinute(samples).slice(-30);
  const max = Math.max(1, ...rows.map((r) => Object.values(r.by).reduce((n, x) => n + x, 0)));
  return (
    <figure class="chart">
      <figcaption>Calls per minute by outcome (while this page is open)</figcaption>
      <svg viewBox={`0 0 ${30 * 12} 100`} width="100%" height="120" aria-hidden="true">
        {rows.map((r, i) => {
          let y = 100;
          return OUTCOMES.map((o) => {
            const h = ((r.by[o] ?? 0) / max) * 100;
            y -= h;
            return h > 0 ? <rect key={`${r.minute}-${o}`} x={i * 12} y={y} width={10} height={h} fill={COLOURS[o]} /> : null;
          });
        })}
      </svg>
      <p class="legend">{OUTCOMES.map((o) => <span key={o} style={{ color: COLOURS[o] }}>■ {o} </span>)}</p>
      <table class="sr-only">
        <caption>Calls per minute by outcome</caption>
        <thead><tr><th scope="col">Minute</th>{OUTCOMES.map((o) => <th key={o} scope="col">{o}</th>)}</tr></thead>
        <tbody>{rows.map((r) => <tr key={r.minute}><td>{new Date(r.minute).toISOString().slice(11, 16)}</td>{OUTCOMES.map((o) => <td key={o}>{r.by[o] ?? 0}</td>)}</tr>)}</tbody>
      </table>
    </figure>
  );
}

/** Create a campaign (draft) with an optional CSV of contacts. */
function CampaignForm({ onCreated }: { onCreated: (sid: string, note: string) => void }) {
  const { api, base } = usePortal();
  const apps = useLoad(() => api.get<Application[]>(`${base}/Applications`), [base]);
  // The file is read when the form is sent (reading it on change raced a quick submit).
  const csvInput = useRef<HTMLInputElement>(null);
  const form = useForm({
    id: 'campaign', initial: EMPTY_CAMPAIGN, fields: CAMPAIGN_FIELDS,
    rules: { name: [required], application_sid: [required], from: [required], 'pacing.cps': [required] },
    submit: async (v) => {
      const { sid } = await api.post<{ sid: string }>(`${base}/Campaigns`, campaignBody(v));
      let note = `Campaign ${String(v.name)} created (draft).`;
      const file = csvInput.current?.files?.[0];
      if (file) {
        const r = await api.postText<{ added: number; duplicates: number; errors: { line: number; msg: string }[] }>(`${base}/Campaigns/${sid}/Contacts`, await file.text(), 'text/csv');
        note += ` Contacts: ${r.added} added, ${r.duplicates} duplicates${r.errors.length ? `; ${r.errors.map((e) => `line ${e.line}: ${e.msg}`).join('; ')}` : ''}.`;
      }
      form.reset();
      if (csvInput.current) csvInput.current.value = '';
      onCreated(sid, note);
    },
  });
  const options = [{ value: '', label: '—' }, ...(apps.data ?? []).map((a) => ({ value: a.application_sid, label: a.name }))];
  return (
    <FormShell form={form} label="Create a campaign">
      <h2>New campaign</h2>
      <div class="grid">
        <TextField form={form} name="name" label="Name" required />
        <SelectField form={form} name="application_sid" label="Application" options={options} required />
        <TextField form={form} name="from" label="From (one or more of the account's numbers, comma separated)" required />
        <TextField form={form} name="trunk" label="Trunk (carrier name; default: the account's default)" />
        <TextField form={form} name="pacing.cps" label="Calls per second" inputMode="decimal" required />
        <TextField form={form} name="pacing.max_concurrent" label="At most at once" inputMode="numeric" />
        <TextField form={form} name="schedule.timezone" label="Timezone (IANA, e.g. Europe/Berlin)" />
        <TextField form={form} name="window.start" label="Weekdays from (HH:MM, contact's local time)" placeholder="09:00" />
        <TextField form={form} name="window.end" label="Weekdays until (HH:MM or 24:00)" placeholder="20:00" />
        <SelectField form={form} name="voicemail" label="On a voicemail" options={[{ value: 'hangup', label: 'hang up' }, { value: 'drop', label: 'drop a message (set its verbs through the API)' }]} />
        <div class="field">
          <label for="campaign-csv">Contacts (CSV with a "number" column)</label>
          <input id="campaign-csv" ref={csvInput} type="file" accept=".csv,text/csv" />
        </div>
      </div>
      <button type="submit" disabled={form.busy}>Create</button>
    </FormShell>
  );
}

/** One campaign: state buttons, live progress and chart, the contact table with filters and the export. */
function CampaignDetail({ sid, onState }: { sid: string; onState: (state: string) => void }) {
  const { api, base } = usePortal();
  const [view, setView] = useState<CampaignView | undefined>(undefined);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [error, setError] = useState<string | undefined>(undefined);
  const [page, setPage] = useState(1);
  const [state, setState] = useState('');
  const [outcome, setOutcome] = useState('');
  // The campaigns list above shows the state too: it reloads when the state changes.
  const lastState = useRef<string | undefined>(undefined);
  const seen = (s: string): void => {
    if (lastState.current === undefined) lastState.current = s;
    else if (lastState.current !== s) {
      lastState.current = s;
      onState(s);
    }
  };
  usePoll(async () => {
    try {
      const v = await api.get<CampaignView>(`${base}/Campaigns/${sid}`);
      setView(v);
      seen(v.state);
      setSamples((s) => [...s.slice(-600), { at: Date.now(), counts: v.counts }]);
      setError(undefined);
    } catch (e) {
      setError(describeError(e));
    }
  }, 2000, true, [sid]);
  const contacts = useLoad(() => api.get<{ total: number; data: ContactRow[] }>(`${base}/Campaigns/${sid}/Contacts?${contactsQuery(page, state, outcome)}`), [sid, page, state, outcome, view?.counts.done]);
  const act = (to: string): void => {
    api.put(`${base}/Campaigns/${sid}`, { state: to }).then(() => {
      setError(undefined);
      setView((old) => (old ? { ...old, state: to as CampaignView['state'] } : old));
      seen(to);
    }, (e: unknown) => setError(describeError(e)));
  };
  const exportCsv = (): void => {
    const q = new URLSearchParams({ format: 'csv', ...(state ? { state } : {}), ...(outcome ? { outcome } : {}) });
    api.getText(`${base}/Campaigns/${sid}/Contacts?${q.toString()}`).then((text) => {
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
      a.download = `campaign-${sid}.csv`;
      a.click();
    }, (e: unknown) => setError(describeError(e)));
  };
  const c = view?.counts ?? {};
  const total = STATES.reduce((n, s) => n + (c[s] ?? 0), 0);
  const pages = Math.max(1, Math.ceil((contacts.data?.total ?? 0) / CONTACTS_PAGE_SIZE));
  const p = view?.progress;
  return (
    <section aria-label={`Campaign ${view?.name ?? sid}`}>
      <h2>{view?.name ?? 'Campaign'} <span class="badge">{view?.state ?? '…'}</span></h2>
      <div class="row">
        <button type="button" disabled={!view || !['draft', 'paused'].includes(view.state)} onClick={() => act('running')}>Start</button>
        <button type="button" disabled={view?.state !== 'running'} onClick={() => act('paused')}>Pause</button>
        <button type="button" class="danger" disabled={!view || !['draft', 'running', 'paused'].includes(view.state)} onClick={() => act('stopped')}>Stop</button>
      </div>
      <ErrorNote message={error} />
      <Status>
        {view ? `${c.done ?? 0} of ${total} done · ${c.pending ?? 0} pending · ${c.dialing ?? 0} dialling · ${c.scheduled ?? 0} scheduled` : 'Loading…'}
        {p ? ` · ${p.cps.toFixed(1)} calls/s · ${p.concurrency} live · answer rate ${p.answer_rate === null ? '—' : `${Math.round(p.answer_rate * 100)} %`} · ETA ${p.eta_seconds} s` : ''}
      </Status>
      <p>{OUTCOMES.map((o) => <span key={o} class="badge" data-outcome={o}>{o} {c[o] ?? 0}</span>)}</p>
      <Chart samples={samples} />
      <form class="filters" aria-label="Filter contacts" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="ct-state">State</label>
          <select id="ct-state" value={state} onChange={(e) => { setPage(1); setState((e.currentTarget as HTMLSelectElement).value); }}>
            <option value="">any</option>
            {STATES.map((s) => <option key={s} value={s}>{s}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="ct-outcome">Outcome</label>
          <select id="ct-outcome" value={outcome} onChange={(e) => { setPage(1); setOutcome((e.currentTarget as HTMLSelectElement).value); }}>
            <option value="">any</option>
            {OUTCOMES.map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
        </div>
        <button type="button" class="secondary" onClick={exportCsv}>Export CSV</button>
      </form>
      <ErrorNote message={contacts.error} />
      <table>
        <caption class="sr-only">Contacts</caption>
        <thead><tr><th scope="col">Number</th><th scope="col">State</th><th scope="col">Outcome</th><th scope="col">Attempts</th><th scope="col">Next attempt</th></tr></thead>
        <tbody>
          {(contacts.data?.data ?? []).map((r) => (
            <tr key={r.number} data-number={r.number}>
              <td class="mono">{r.number}</td><td>{r.state}</td><td>{r.outcome ?? '—'}</td><td>{r.attempts}</td><td>{r.next_attempt_at ?? '—'}</td>
            </tr>
          ))}
          {contacts.data?.data.length === 0 && <tr><td colSpan={5}>No contacts.</td></tr>}
        </tbody>
      </table>
      <Pager page={page} pages={pages} onPage={setPage} />
    </section>
  );
}

/** Issue 17: the account's outbound campaigns. */
export function CampaignsPage() {
  const { api, base } = usePortal();
  const list = useLoad(() => api.get<CampaignView[]>(`${base}/Campaigns`), [base]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [note, setNote] = useState('');
  return (
    <Page title="Campaigns">
      <Status>{note || (list.loading ? 'Loading…' : `${list.data?.length ?? 0} campaigns`)}</Status>
      <ErrorNote message={list.error} />
      <table>
        <caption class="sr-only">Campaigns</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">State</th><th scope="col">Done</th><th scope="col">Calls/s</th><th scope="col"><span class="sr-only">Open</span></th></tr></thead>
        <tbody>
          {(list.data ?? []).map((c) => (
            <tr key={c.sid} data-campaign-sid={c.sid}>
              <td>{c.name}</td><td><span class="badge">{c.state}</span></td>
              <td>{c.counts.done ?? 0} / {STATES.reduce((n, s) => n + (c.counts[s] ?? 0), 0)}</td><td>{c.pacing.cps}</td>
              <td><button type="button" class="secondary" onClick={() => setSelected(c.sid)}>Open {c.name}</button></td>
            </tr>
          ))}
          {list.data?.length === 0 && <tr><td colSpan={5}>No campaigns yet.</td></tr>}
        </tbody>
      </table>
      {selected && <CampaignDetail sid={selected} onState={() => list.reload()} />}
      <CampaignForm onCreated={(sid, n) => { setNote(n); setSelected(sid); list.reload(); }} />
    </Page>
  );
}

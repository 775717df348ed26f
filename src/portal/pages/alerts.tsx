import { useState } from 'preact/hooks';
import { when } from '../lib/format.js';
import type { Alert, Paged } from '../lib/types.js';
import { ErrorNote, Page, Pager, Status, useLoad, usePortal } from '../ui/common.js';

export const ALERTS_PAGE_SIZE = 25;

/** The alert types the gateway raises, for the filter (contract §2.8). */
export const ALERT_TYPES = [
  'webhook-failure', 'webhook-connection-failure', 'invalid-app-payload', 'verb-failure', 'amd-error', 'play-url-notfound', 'tts-failure', 'no-stt',
  'alert-from-application',
] as const;

/** The Alerts query string for a page and an optional type. */
export function alertsQuery(page: number, type: string, count = ALERTS_PAGE_SIZE): string {
  const q = new URLSearchParams({ page: String(page), count: String(count) });
  if (type) q.set('alert_type', type);
  return q.toString();
}

/** What an alert was about, besides its message: the URL and HTTP status, and the detail. */
export function alertContext(a: Pick<Alert, 'url' | 'status' | 'detail'>): string {
  return [a.url, a.status === null ? null : `HTTP ${a.status}`, a.detail].filter((x) => x).join(' · ');
}

/** The account's alerts, newest first: what went wrong with its applications' webhooks and verbs. */
export function AlertsPage() {
  const { api, base } = usePortal();
  const [page, setPage] = useState(1);
  const [type, setType] = useState('');
  const alerts = useLoad(() => api.get<Paged<Alert>>(`${base}/Alerts?${alertsQuery(page, type)}`), [base, page, type]);
  const total = alerts.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / ALERTS_PAGE_SIZE));
  return (
    <Page title="Alerts">
      <form class="filters" aria-label="Filter alerts" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="al-type">Type</label>
          <select id="al-type" value={type} onChange={(e) => { setPage(1); setType((e.currentTarget as HTMLSelectElement).value); }}>
            <option value="">any</option>
            {ALERT_TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
          </select>
        </div>
        <button type="button" class="secondary" onClick={() => alerts.reload()}>Refresh</button>
      </form>
      <Status>{alerts.loading ? 'Loading…' : `${total} alert${total === 1 ? '' : 's'} · page ${page} of ${pages}`}</Status>
      <ErrorNote message={alerts.error} />
      <table>
        <caption class="sr-only">Alerts, newest first</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Message</th><th scope="col">Call</th><th scope="col">Context</th></tr></thead>
        <tbody>
          {(alerts.data?.data ?? []).map((a) => (
            <tr key={a.alert_sid} data-alert-sid={a.alert_sid}>
              <td>{when(a.time)}</td>
              <td><span class="badge s-failed">{a.alert_type}</span></td>
              <td>{a.message}</td>
              <td class="mono">{a.call_sid ?? '—'}</td>
              <td class="mono">{alertContext(a) || '—'}</td>
            </tr>
          ))}
          {alerts.data?.data.length === 0 && <tr><td colSpan={5}>No alerts.</td></tr>}
        </tbody>
      </table>
      <Pager page={page} pages={pages} onPage={setPage} />
    </Page>
  );
}

import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { duration, when } from '../lib/format.js';
import type { Cdr, Paged } from '../lib/types.js';
import { ErrorNote, Page, Pager, Status, useLoad, usePortal } from '../ui/common.js';
import { TimelineView } from '../ui/timeline.js';

export const PAGE_SIZE = 20;

interface Filters {
  readonly direction: string;
  readonly answered: string;
  readonly filter: string;
  readonly days: string;
}

/** An answered call completed; otherwise the CDR's cause is the final status (busy, no-answer, failed). */
export function callResult(c: Pick<Cdr, 'answered' | 'termination_cause'>): string {
  return c.answered ? 'completed' : (c.termination_cause ?? 'failed');
}

/** The RecentCalls query string for a page and the filters (empty filters are left out). */
export function recentQuery(page: number, f: Filters, count = PAGE_SIZE): string {
  const q = new URLSearchParams({ page: String(page), count: String(count) });
  if (f.direction) q.set('direction', f.direction);
  if (f.answered) q.set('answered', f.answered);
  if (f.filter.trim()) q.set('filter', f.filter.trim());
  if (f.days) q.set('days', f.days);
  return q.toString();
}

export function RecentCallsPage() {
  const { api, base } = usePortal();
  const [page, setPage] = useState(1);
  const [draft, setDraft] = useState<Filters>({ direction: '', answered: '', filter: '', days: '' });
  const [filters, setFilters] = useState<Filters>(draft);
  const [open, setOpen] = useState<string>();
  const calls = useLoad(() => api.get<Paged<Cdr>>(`${base}/RecentCalls?${recentQuery(page, filters)}`), [base, page, filters]);
  const total = calls.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const set = (k: keyof Filters) => (e: Event) => setDraft({ ...draft, [k]: (e.currentTarget as HTMLInputElement | HTMLSelectElement).value });
  return (
    <Page title="Recent calls">
      <form class="filters" aria-label="Filter recent calls" onSubmit={(e) => { e.preventDefault(); setPage(1); setFilters(draft); }}>
        <div class="field">
          <label for="rc-filter">From, to or call sid contains</label>
          <input id="rc-filter" value={draft.filter} onInput={set('filter')} />
        </div>
        <div class="field">
          <label for="rc-direction">Direction</label>
          <select id="rc-direction" value={draft.direction} onChange={set('direction')}>
            <option value="">any</option><option value="outbound">outbound</option><option value="inbound">inbound</option>
          </select>
        </div>
        <div class="field">
          <label for="rc-answered">Answered</label>
          <select id="rc-answered" value={draft.answered} onChange={set('answered')}>
            <option value="">any</option><option value="true">answered</option><option value="false">not answered</option>
          </select>
        </div>
        <div class="field">
          <label for="rc-days">Period</label>
          <select id="rc-days" value={draft.days} onChange={set('days')}>
            <option value="">all</option><option value="1">last 24 hours</option><option value="7">last 7 days</option><option value="30">last 30 days</option>
          </select>
        </div>
        <button type="submit">Apply filters</button>
        <button type="button" class="secondary" onClick={() => calls.reload()}>Refresh</button>
      </form>
      <Status>{calls.loading ? 'Loading…' : `${total} call${total === 1 ? '' : 's'} · page ${page} of ${pages}`}</Status>
      <ErrorNote message={calls.error} />
      <table>
        <caption class="sr-only">Recent calls, newest first</caption>
        <thead><tr><th scope="col">Started</th><th scope="col">Direction</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Trunk</th><th scope="col">Result</th><th scope="col">SIP</th><th scope="col">Duration</th><th scope="col"><span class="sr-only">Timeline</span></th></tr></thead>
        <tbody>
          {(calls.data?.data ?? []).map((c) => (
            <Fragment key={c.call_sid}>
              <tr data-call-sid={c.call_sid}>
                <td>{when(c.attempted_at)}</td>
                <td>{c.direction}</td>
                <td class="mono">{c.from}</td>
                <td class="mono">{c.to}</td>
                <td>{c.trunk ?? '—'}</td>
                <td><span class={`badge s-${callResult(c)}`}>{callResult(c)}</span>{c.answered && c.termination_cause ? ` · ended by ${c.termination_cause}` : ''}{c.termination_reason ? ` (${c.termination_reason})` : ''}</td>
                <td>{c.sip_status ?? '—'}</td>
                <td>{c.answered ? duration(c.duration) : '—'}</td>
                <td>
                  <button type="button" class="secondary" aria-expanded={open === c.call_sid} aria-controls={`tl-${c.call_sid}`} onClick={() => setOpen(open === c.call_sid ? undefined : c.call_sid)}>
                    {open === c.call_sid ? 'Hide timeline' : 'Timeline'}<span class="sr-only"> of the call to {c.to}</span>
                  </button>
                </td>
              </tr>
              {open === c.call_sid && (
                <tr id={`tl-${c.call_sid}`}>
                  <td colSpan={9}>
                    <p class="mono">call sid {c.call_sid}{c.post_dial_delay_ms !== null ? ` · post-dial delay ${c.post_dial_delay_ms} ms` : ''}</p>
                    <TimelineView entries={c.timeline} label={`Timeline of the call to ${c.to}`} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
          {calls.data?.data.length === 0 && <tr><td colSpan={9}>No calls match.</td></tr>}
        </tbody>
      </table>
      <Pager page={page} pages={pages} onPage={setPage} />
    </Page>
  );
}

import { useRef, useState } from 'preact/hooks';
import { describeError, type Api } from '../lib/api.js';
import { duration } from '../lib/format.js';
import type { LiveCall, Timeline } from '../lib/types.js';
import { ErrorNote, Page, Status, usePoll, usePortal } from '../ui/common.js';

export const LIVE_POLL_MS = 1500;

interface Times {
  readonly created: number;
  readonly answered?: number;
}

/** When a call started and was answered, from its timeline (the live list carries no times). */
export function callTimes(t: Timeline): Times {
  const first = t.timeline[0];
  const created = first ? Date.parse(first.at) - first.t : Date.now();
  const ans = t.timeline.find((e) => e.event === 'status:in-progress');
  return ans ? { created, answered: Date.parse(ans.at) } : { created };
}

async function refreshTimes(api: Api, base: string, calls: readonly LiveCall[], known: Map<string, Times>): Promise<void> {
  const need = calls.filter((c) => !known.has(c.call_sid) || (c.call_status === 'in-progress' && known.get(c.call_sid)?.answered === undefined));
  await Promise.all(need.map(async (c) => {
    try {
      known.set(c.call_sid, callTimes(await api.get<Timeline>(`${base}/Calls/${c.call_sid}/Timeline`)));
    } catch {
      // the call may have ended between the two requests
    }
  }));
  for (const sid of [...known.keys()]) if (!calls.some((c) => c.call_sid === sid)) known.delete(sid);
}

export function LiveCallsPage() {
  const { api, base } = usePortal();
  const [calls, setCalls] = useState<readonly LiveCall[]>();
  const [error, setError] = useState<string>();
  const [note, setNote] = useState<string>();
  const [updated, setUpdated] = useState<Date>();
  const times = useRef(new Map<string, Times>());
  usePoll(async () => {
    try {
      const list = await api.get<LiveCall[]>(`${base}/Calls`);
      await refreshTimes(api, base, list, times.current);
      setCalls(list);
      setError(undefined);
      setUpdated(new Date());
    } catch (e) {
      setError(describeError(e));
    }
  }, LIVE_POLL_MS, true, [base]);
  async function hangup(c: LiveCall): Promise<void> {
    try {
      await api.del(`${base}/Calls/${c.call_sid}`);
      setNote(`Hanging up the call to ${c.to}.`);
    } catch (e) {
      setNote(describeError(e));
    }
  }
  const now = updated?.getTime() ?? Date.now();
  const elapsed = (c: LiveCall): string => {
    const t = times.current.get(c.call_sid);
    if (!t) return '—';
    if (t.answered !== undefined) return duration((now - t.answered) / 1000);
    return `${duration((now - t.created) / 1000)} (not answered)`;
  };
  return (
    <Page title="Live calls">
      <Status>
        {calls === undefined ? 'Loading…' : `${calls.length} live call${calls.length === 1 ? '' : 's'}`}
        {updated && <span class="muted"> · updated {updated.toLocaleTimeString()} (every {LIVE_POLL_MS / 1000} s)</span>}
      </Status>
      <ErrorNote message={error} />
      {note && <p class="notice">{note}</p>}
      <table>
        <caption class="sr-only">Live calls</caption>
        <thead><tr><th scope="col">Direction</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Call sid</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
        <tbody>
          {(calls ?? []).map((c) => (
            <tr key={c.call_sid} data-call-sid={c.call_sid}>
              <td>{c.direction}</td>
              <td class="mono">{c.from}</td>
              <td class="mono">{c.to}</td>
              <td><span class={`badge s-${c.call_status}`}>{c.call_status}</span></td>
              <td>{elapsed(c)}</td>
              <td class="mono">{c.call_sid}</td>
              <td><button type="button" class="danger" aria-label={`Hang up the call to ${c.to}`} onClick={() => void hangup(c)}>Hang up</button></td>
            </tr>
          ))}
          {calls?.length === 0 && <tr><td colSpan={7}>No live calls.</td></tr>}
        </tbody>
      </table>
    </Page>
  );
}

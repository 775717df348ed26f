import { detailText } from '../lib/format.js';
import type { TimelineEntry } from '../lib/types.js';

/** A call's timeline: offset from the start, event, details. */
export function TimelineView({ entries, label }: { entries: readonly TimelineEntry[]; label: string }) {
  if (entries.length === 0) return <p>No events recorded.</p>;
  return (
    <table class="timeline">
      <caption>{label}</caption>
      <thead><tr><th scope="col">+time</th><th scope="col">Event</th><th scope="col">Details</th></tr></thead>
      <tbody>
        {entries.map((e, i) => (
          <tr key={i}>
            <td class="mono" title={e.at}>+{(e.t / 1000).toFixed(3)} s</td>
            <td class="mono">{e.event}</td>
            <td class="mono detail">{detailText(e.detail)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

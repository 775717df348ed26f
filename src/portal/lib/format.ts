/** Small display helpers. */

export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** `75` → `1:15`; `3725` → `1:02:05`. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

export function shortSid(sid: string): string {
  return sid.length > 12 ? `${sid.slice(0, 8)}…` : sid;
}

/** A hook as the API returns it → its URL, or a dash. */
export function hookUrl(h: { url: string; method?: string } | null | undefined): string {
  return h ? `${h.method ?? 'POST'} ${h.url}` : '—';
}

export function detailText(detail: Readonly<Record<string, unknown>> | undefined): string {
  if (!detail) return '';
  return Object.entries(detail)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

/**
 * Calling windows (issue 17): a contact is dialled only while its local time (its own IANA
 * timezone, else the campaign's) is inside one of the campaign's weekly windows, and only
 * between the campaign's start and end dates. Local time comes from Intl (Node's full ICU).
 */

export const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Day = (typeof DAYS)[number];

export interface CallingWindow {
  readonly days: readonly Day[];
  /** "HH:MM", local time, inclusive. */
  readonly start: string;
  /** "HH:MM" or "24:00", exclusive. */
  readonly end: string;
}

export interface Schedule {
  readonly timezone?: string;
  readonly windows?: readonly CallingWindow[];
  readonly start_at?: string | null;
  readonly end_at?: string | null;
}

/** "HH:MM" → minutes since midnight; "24:00" → 1440. */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** Day and minute of the day of a wall time in a timezone; one formatter per timezone, kept. */
export class LocalTimes {
  private readonly formats = new Map<string, Intl.DateTimeFormat>();

  at(wallMs: number, timezone: string): { day: Day; minutes: number } {
    let f = this.formats.get(timezone);
    if (!f) {
      f = new Intl.DateTimeFormat('en-US', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
      this.formats.set(timezone, f);
    }
    let day: Day = 'sun';
    let minutes = 0;
    for (const p of f.formatToParts(wallMs)) {
      if (p.type === 'weekday') day = p.value.slice(0, 3).toLowerCase() as Day;
      else if (p.type === 'hour') minutes += Number(p.value) * 60;
      else if (p.type === 'minute') minutes += Number(p.value);
    }
    return { day, minutes };
  }

  /** True when `timezone`'s local time at `wallMs` is inside one of the windows (no windows: any time). */
  open(windows: readonly CallingWindow[] | undefined, wallMs: number, timezone: string): boolean {
    if (!windows || windows.length === 0) return true;
    const { day, minutes } = this.at(wallMs, timezone);
    return windows.some((w) => w.days.includes(day) && minutes >= minutesOf(w.start) && minutes < minutesOf(w.end));
  }
}

/** Where the campaign stands against its dates: before its start, inside, or past its end. */
export function datePhase(s: Schedule | undefined, wallMs: number): 'before' | 'open' | 'ended' {
  if (s?.start_at && wallMs < Date.parse(s.start_at)) return 'before';
  if (s?.end_at && wallMs >= Date.parse(s.end_at)) return 'ended';
  return 'open';
}

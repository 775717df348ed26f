import type { Store } from '../../store/index.js';
import { coreVerbs, HookSpecError, parseVerbList, resolveHook, VerbValidationError, type HookSpec } from '../../verbs/index.js';
import { isTimezone, toE164 } from './contacts.js';
import type { CampaignConfig } from './config.js';
import { invalid } from './errors.js';
import { minutesOf } from './schedule.js';

function checkHook(spec: HookSpec | undefined, field: string): void {
  if (spec === undefined) return;
  try {
    resolveHook(spec);
  } catch (e) {
    if (e instanceof HookSpecError) throw invalid(field, e.message);
    throw e;
  }
}

function checkSchedule(s: CampaignConfig['schedule']): void {
  if (!s) return;
  if (s.timezone !== undefined && !isTimezone(s.timezone)) throw invalid('schedule.timezone', `"${s.timezone}" is not an IANA timezone`);
  for (const [i, w] of (s.windows ?? []).entries()) {
    if (minutesOf(w.end) <= minutesOf(w.start)) throw invalid(`schedule.windows[${i}].end`, 'must be after start (use "24:00" for midnight)');
  }
  for (const k of ['start_at', 'end_at'] as const) {
    const v = s[k];
    if (v !== undefined && v !== null && Number.isNaN(Date.parse(v))) throw invalid(`schedule.${k}`, 'is not a date-time');
  }
}

/** What the request schema cannot say: references into the account, hooks, timezones, the voicemail verbs. */
export async function checkCampaign(store: Store, accountSid: string, c: CampaignConfig): Promise<CampaignConfig> {
  if (c.application_sid === undefined && c.call_hook === undefined) throw invalid('application_sid', 'give application_sid or call_hook');
  if (c.application_sid !== undefined) {
    const app = await store.applications.get(c.application_sid);
    if (!app || app.account_sid !== accountSid) throw invalid('application_sid', `application_sid not found ${c.application_sid}`);
  }
  checkHook(c.call_hook, 'call_hook');
  checkHook(c.notifyUrl, 'notifyUrl');
  checkHook(c.statusHook, 'statusHook');
  const account = await store.accounts.get(accountSid);
  const pool = typeof c.from === 'string' ? [c.from] : c.from;
  for (const [i, n] of pool.entries()) {
    const field = typeof c.from === 'string' ? 'from' : `from[${i}]`;
    if (account?.allow_any_caller_id) continue;
    const owned = await store.phoneNumbers.findByNumber(n);
    if (!owned || owned.account_sid !== accountSid) throw invalid(field, `"${n}" is not a phone number of this account`);
  }
  checkSchedule(c.schedule);
  if (c.voicemail?.verbs !== undefined) {
    try {
      parseVerbList(c.voicemail.verbs, coreVerbs(), 'voicemail.verbs');
    } catch (e) {
      if (e instanceof VerbValidationError) throw invalid(e.path || 'voicemail.verbs', e.message);
      throw e;
    }
  }
  return c;
}

/** A number for the DNC list, in E.164 form. */
export function dncNumber(n: string, field = 'number'): string {
  const e164 = toE164(n);
  if (!e164) throw invalid(field, `"${n}" is not a valid E.164 phone number`);
  return e164;
}

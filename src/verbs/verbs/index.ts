import { dial } from './dial.js';
import { sipDecline } from './sip-decline.js';
import { sipRefer } from './sip-refer.js';
import { VerbRegistry } from '../registry.js';
import { alert } from './alert.js';
import { answer } from './answer.js';
import { config } from './config.js';
import { dtmf } from './dtmf.js';
import { gather } from './gather.js';
import { hangup } from './hangup.js';
import { pause } from './pause.js';
import { play } from './play.js';
import { redirect } from './redirect.js';
import { say } from './say.js';
import { sipRequest } from './sip-request.js';
import { tag } from './tag.js';
import { transcribe } from './transcribe.js';
import { listen } from './listen.js';

/** Every verb this gateway runs today. */
export const CORE_VERBS = [say, play, pause, gather, hangup, redirect, tag, config, dtmf, answer, sipRequest, alert, dial, sipRefer, sipDecline, transcribe, listen] as const;

/** jambonz's verb aliases we run (contract §4.1): `stream` is `listen`. */
const ALIASES: Readonly<Record<string, readonly string[]>> = { listen: ['stream'] };

/** A registry holding the core verbs; add more with `register`. */
export function coreVerbs(): VerbRegistry {
  const registry = new VerbRegistry();
  for (const verb of CORE_VERBS) registry.register(verb, ALIASES[verb.name] ?? []);
  return registry;
}

import { VerbRegistry } from '../registry.js';
import { config } from './config.js';
import { gather } from './gather.js';
import { play } from './play.js';
import { say } from './say.js';
import { alert, answer, dtmf, hangup, pause, redirect, sipRequest, tag } from './simple.js';

/** A registry holding every verb this gateway runs today. */
export function coreVerbs(): VerbRegistry {
  return new VerbRegistry()
    .register(say)
    .register(play)
    .register(pause)
    .register(gather)
    .register(hangup)
    .register(redirect)
    .register(tag)
    .register(config)
    .register(dtmf)
    .register(answer)
    .register(sipRequest)
    .register(alert);
}

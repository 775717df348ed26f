import { hookSchema, opt, type ObjectSchema } from '../schema.js';
import { fromSpec } from '../spec.js';
import { recognizerSchema } from './recognizer.js';

/**
 * The specification's `transcribe` verb (`transcriptionHook`, `translationHook`, `recognizer`,
 * `earlyMedia`, `channel`), for the speech core's `transcribe` definition. The hooks are webhooks
 * (a URL string, or a hook object as every other hook).
 */
export const transcribeSchema: ObjectSchema = fromSpec('transcribe', {
  transcriptionHook: opt(hookSchema()),
  translationHook: opt(hookSchema()),
  recognizer: opt(recognizerSchema),
});

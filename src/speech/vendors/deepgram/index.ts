import type { SpeechVendors } from '../../vendor.js';
import { SpeechCredentialTester } from '../shared/tester.js';
import { DeepgramStt, type DeepgramSttOptions } from './stt.js';
import { DeepgramTts, type DeepgramTtsOptions } from './tts.js';

export { DeepgramStt, type DeepgramSttOptions } from './stt.js';
export { DeepgramTts, type DeepgramTtsOptions } from './tts.js';
export { listenQuery, listenTarget, speakTarget } from './options.js';

/** Adds Deepgram's recognizer, synthesizer and credential tester (issue 14). */
export function addDeepgram(vendors: SpeechVendors, opts: DeepgramSttOptions & DeepgramTtsOptions = {}): SpeechVendors {
  const stt = new DeepgramStt(opts);
  const tts = new DeepgramTts(opts);
  return vendors.addStt(stt).addTts(tts).addTester(new SpeechCredentialTester('deepgram', stt, tts));
}

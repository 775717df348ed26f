import type { SpeechVendors } from '../../vendor.js';
import { ElevenLabsCredentialTester } from './tester.js';
import { ElevenLabsTts, type ElevenLabsTtsOptions } from './tts.js';

export { ElevenLabsCredentialTester } from './tester.js';
export { ElevenLabsTts, streamRequest, type ElevenLabsTtsOptions } from './tts.js';

/** Adds ElevenLabs' synthesizer and credential tester (issue 14). */
export function addElevenLabs(vendors: SpeechVendors, opts: ElevenLabsTtsOptions = {}): SpeechVendors {
  const tts = new ElevenLabsTts(opts);
  return vendors.addTts(tts).addTester(new ElevenLabsCredentialTester(tts));
}

import type { SpeechVendors } from '../../vendor.js';
import { SpeechCredentialTester } from '../shared/tester.js';
import { GoogleStt, type GoogleSttOptions } from './stt.js';
import { GoogleTts, type GoogleTtsOptions } from './tts.js';

export { GoogleStt, type GoogleSttOptions, alternativesOf, eventsOf } from './stt.js';
export { GoogleTts, type GoogleTtsOptions, DEFAULT_VOICE, synthesizeRequest, pcmOf } from './tts.js';
export { streamingConfig } from './config.js';
export type { GoogleLocalEndpoint } from './client.js';

/**
 * Adds Google's recognizer, synthesizer and credential tester (issue 14). The tester makes a
 * one-word synthesis (TTS) and opens a recognition stream, waiting until Google accepts or
 * refuses it (STT).
 */
export function addGoogle(vendors: SpeechVendors, opts: GoogleSttOptions & GoogleTtsOptions = {}): SpeechVendors {
  const stt = new GoogleStt(opts);
  const tts = new GoogleTts(opts);
  return vendors.addStt(stt).addTts(tts).addTester(new SpeechCredentialTester('google', stt, tts));
}

import type { SpeechVendors } from '../../vendor.js';
import { SpeechCredentialTester } from '../shared/tester.js';
import { VENDOR } from './config.js';
import { AwsTts, type PollyOptions } from './polly.js';
import { AwsStt, type TranscribeOptions } from './transcribe.js';

export { AwsTts, synthesizeInput, type PollyOptions } from './polly.js';
export { AwsStt, transcribeParams, type TranscribeOptions } from './transcribe.js';

/**
 * Adds Amazon Transcribe streaming, Polly and their credential tester (issue 14): a short Polly
 * synthesis when the credential is for TTS, a Transcribe handshake when it is for STT.
 */
export function addAws(vendors: SpeechVendors, opts: { readonly polly?: PollyOptions; readonly transcribe?: TranscribeOptions } = {}): SpeechVendors {
  const stt = new AwsStt(opts.transcribe);
  const tts = new AwsTts(opts.polly);
  return vendors.addStt(stt).addTts(tts).addTester(new SpeechCredentialTester(VENDOR, stt, tts));
}

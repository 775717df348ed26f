import type { SpeechVendors } from '../../vendor.js';
import { SpeechCredentialTester } from '../shared/tester.js';
import { CustomStt, type CustomSttOptions } from './stt.js';
import { CustomTts, type CustomTtsOptions } from './tts.js';

export { CustomStt, type CustomSttOptions, startMessage } from './stt.js';
export { CustomTts, type CustomTtsOptions, synthesizeBody } from './tts.js';

/** Adds jambonz's custom speech API adapters; `custom:<name>` vendors resolve to them (issue 14). */
export function addCustom(vendors: SpeechVendors, opts: CustomSttOptions & CustomTtsOptions = {}): SpeechVendors {
  const stt = new CustomStt(opts);
  const tts = new CustomTts(opts);
  return vendors.addStt(stt).addTts(tts).addTester(new SpeechCredentialTester('custom', stt, tts));
}

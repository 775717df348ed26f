import { SpeechVendors } from '../vendor.js';
import { addAws } from './aws/index.js';
import { addCustom } from './custom/index.js';
import { addDeepgram } from './deepgram/index.js';
import { addGoogle } from './google/index.js';
import { addElevenLabs } from './elevenlabs/index.js';
import { MicrosoftCredentialTester, MicrosoftStt, MicrosoftTts } from './microsoft/index.js';

/**
 * Every cloud vendor adapter the gateway ships (issue 14). Each vendor lives in its own folder
 * here and adds itself below; espeak stays in the TtsRegistry as the default voice.
 */
export function createSpeechVendors(): SpeechVendors {
  const vendors = new SpeechVendors();
  addDeepgram(vendors);
  addCustom(vendors);
  addGoogle(vendors);
  vendors.addStt(new MicrosoftStt()).addTts(new MicrosoftTts()).addTester(new MicrosoftCredentialTester());
  addElevenLabs(vendors);
  addAws(vendors);
  return vendors;
}

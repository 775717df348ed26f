import type { SpeechVendors } from '../../vendor.js';
import { AwsTts, type PollyOptions } from './polly.js';

export { AwsTts, synthesizeInput, type PollyOptions } from './polly.js';

/** Adds Amazon Polly (issue 14). */
export function addAws(vendors: SpeechVendors, opts: PollyOptions = {}): SpeechVendors {
  return vendors.addTts(new AwsTts(opts));
}

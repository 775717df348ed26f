import { errorMessage } from '../../../kernel/errors.js';
import { isSsml, parseSsml } from '../../ssml.js';

/** For vendors that read plain text only (Deepgram Aura, ElevenLabs): SSML is reduced to its words. */
export function plainText(text: string, fail: (msg: string, cause: unknown) => Error): string {
  if (!isSsml(text)) return text;
  try {
    return parseSsml(text)
      .map((p) => (p.kind === 'text' ? p.text : ' '))
      .join('')
      .replace(/\s+/g, ' ')
      .trim();
  } catch (e) {
    throw fail(`the SSML cannot be read: ${errorMessage(e)}`, e);
  }
}

/**
 * The SSML subset we accept (W3C SSML 1.1): `<speak>`, `<break time="500ms"/>` (or `strength`),
 * `<say-as interpret-as="digits|characters|spell-out">`. Other tags are dropped, their text kept.
 * The result is either plain text or normalised SSML that espeak-ng (`-m`) understands.
 */
import { TtsError } from './types.js';

export type SsmlPart = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'break'; readonly ms: number };

const STRENGTH_MS: Readonly<Record<string, number>> = { none: 0, 'x-weak': 100, weak: 250, medium: 400, strong: 700, 'x-strong': 1200 };
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescape(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_m, e: string) => ENTITIES[e]);
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(tag: string, name: string): string | undefined {
  return new RegExp(`${name}\\s*=\\s*["']([^"']*)["']`, 'i').exec(tag)?.[1];
}

/** `500ms`, `1.5s`, `2s` → ms. */
function parseTime(v: string): number {
  const m = /^\s*([\d.]+)\s*(ms|s)\s*$/i.exec(v);
  if (!m) throw new TtsError('TTS_BAD_SSML', `bad break time "${v}"`);
  return Math.round(Number(m[1]) * (m[2].toLowerCase() === 's' ? 1000 : 1));
}

function breakMs(tag: string): number {
  const time = attr(tag, 'time');
  if (time !== undefined) return Math.min(parseTime(time), 10_000);
  return STRENGTH_MS[attr(tag, 'strength') ?? 'medium'] ?? 400;
}

/** Spells digits (and other characters) one by one: "123" → "1 2 3". */
function spell(text: string): string {
  return [...text.replace(/\s+/g, '')].join(' ');
}

/** Splits SSML into text and breaks. Throws TtsError TTS_BAD_SSML on unreadable markup. */
export function parseSsml(ssml: string): SsmlPart[] {
  const parts: SsmlPart[] = [];
  let sayAs: string | null = null;
  const re = /<[^>]*>|[^<]+/g;
  for (let m = re.exec(ssml); m; m = re.exec(ssml)) {
    const tok = m[0];
    if (!tok.startsWith('<')) {
      const t = unescape(tok);
      const text = sayAs !== null && /^(digits|characters|spell-out|telephone)$/i.test(sayAs) ? spell(t) : t;
      if (text.trim() !== '') parts.push({ kind: 'text', text });
      continue;
    }
    const name = /^<\/?\s*([\w:-]+)/.exec(tok)?.[1]?.toLowerCase();
    if (name === undefined) {
      if (/^<[?!]/.test(tok)) continue;
      throw new TtsError('TTS_BAD_SSML', `bad SSML tag ${tok}`);
    }
    if (name === 'break') parts.push({ kind: 'break', ms: breakMs(tok) });
    else if (name === 'say-as') sayAs = tok.startsWith('</') ? null : (attr(tok, 'interpret-as') ?? '');
  }
  return parts;
}

export function isSsml(text: string): boolean {
  return /^\s*<speak[\s>]/i.test(text);
}

/** Normalised SSML for espeak-ng -m: only `<speak>`, text and `<break time>`. */
export function toEspeakSsml(parts: readonly SsmlPart[]): string {
  const body = parts.map((p) => (p.kind === 'text' ? escapeXml(p.text) : `<break time="${p.ms}ms"/>`)).join(' ');
  return `<speak>${body}</speak>`;
}

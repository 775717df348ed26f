/** What a Call is built from (its dependencies and identity) and the events it emits (call.ts). */
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { UrlPolicy } from '../kernel/net-policy.js';
import type { SpeechService, TtsCache, TtsRegistry } from '../speech/index.js';
import type { StreamSocketPool } from './audio-stream/index.js';
import type { Call } from './call.js';
import type { CallDirection, CallInfo } from './control.js';

export interface CallDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly tts: TtsRegistry;
  /** Cloud speech (issue 14): vendors other than the local voices of `tts`, and recognition. */
  readonly speech?: SpeechService;
  /** The TTS cache cloud prompts are written to after playback. */
  readonly ttsCache?: TtsCache;
  /** Where `ffmpeg` is looked up for MP3 prompts (PATH). */
  readonly searchPath?: string;
  /** Which addresses `play` downloads may reach (docs/security.md); open when absent. */
  readonly urlPolicy?: UrlPolicy;
  /** `host:port` of our SIP listener, for `fs_sip_address`. */
  readonly sipAddress: string;
  /** The address in our SDP (VGW_PUBLIC_ADDRESS), for answers to re-INVITEs. */
  readonly publicAddress: string;
  readonly alert: (accountSid: string, callSid: string, alertType: string, message: string, detail?: string) => void;
  /** The stream worker that owns every listen socket (issue 15); the sockets live on the media thread without it. */
  readonly streamSockets?: StreamSocketPool;
}

export interface CallInit {
  readonly sid: string;
  readonly accountSid: string;
  readonly applicationSid?: string;
  readonly direction: CallDirection;
  readonly from: string;
  readonly to: string;
  readonly callerName?: string;
  readonly trunk?: string;
  readonly customerData?: Readonly<Record<string, unknown>>;
  readonly parentCallSid?: string;
  /** A child leg's parent's SIP Call-ID (the CDR's sip_parent_callid). */
  readonly parentSipCallId?: string;
}

export type CallEvents = {
  /** A status change (the info already carries the new status). */
  status: [info: CallInfo];
  /** The call is over; its resources are released. */
  ended: [call: Call];
  /** A `dial` placed a child leg (its status events go to this call's status hook). */
  child: [child: Call];
  /** An event for notifyUrl (transfer results, AMD). */
  notify: [event: string, fields: Readonly<Record<string, unknown>>];
  /** An extra call:status for call_status_hook, not a status change (contract §2.3). */
  statusNote: [info: CallInfo, fields: Readonly<Record<string, unknown>>];
};

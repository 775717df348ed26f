/**
 * Bidirectional audio (jambonz "bidirectional audio"): what the stream's server sends back is
 * played to the caller in the order it arrived — whole `playAudio` clips and, with `streaming`,
 * raw L16 frames as they come — with `mark`s between them. A mark is reported (`playout`) when
 * every sample queued before it has been handed to the media tick. `killAudio` empties the queue,
 * reports the marks still waiting as `cleared` and stops the current playback at once
 * (barge-in); `clearMarks` forgets the waiting marks without an event (as mod_audio_fork).
 *
 * The media tick reads frames from here; reading never waits and never calls back into the
 * socket synchronously (mark events are sent from a microtask, after the tick).
 */
import type { AudioSource, FrameReader } from '../../media/index.js';

export type MarkEvent = 'playout' | 'cleared';

export interface StreamPlayerHost {
  /** Plays `source` on the call until it ends or `signal` aborts; resolves `interrupted` when something else stopped it. */
  play(source: AudioSource, signal: AbortSignal): Promise<{ readonly interrupted: boolean }>;
  onMark(name: string, event: MarkEvent): void;
  /** A `playAudio` clip (with its `id`) has been played to its end. */
  onPlayDone(id: unknown): void;
}

export interface StreamPlayerOptions {
  /** Underruns of a streamed source are bridged by this much silence before the playback ends (default 100 ms). */
  readonly holdMs?: number;
  /** Audio queued beyond this many 8 kHz samples is dropped (default 60 s). */
  readonly maxQueuedSamples?: number;
}

/** Marks waiting at once (mod_audio_fork's MAX_MARKS). */
const MAX_MARKS = 30;

type Item =
  | { readonly kind: 'audio'; readonly samples: Int16Array }
  | { readonly kind: 'mark'; readonly name: string }
  | { readonly kind: 'done'; readonly id: unknown };

export class StreamPlayer {
  readonly #items: Item[] = [];
  /** Samples of the head audio item already read. */
  #offset = 0;
  #queued = 0;
  /** The current playback, if any; replaced on each start. */
  #ctl: AbortController | null = null;
  #holdFrames = 0;
  readonly #maxHold: number;
  readonly #maxQueued: number;
  droppedSamples = 0;
  droppedMarks = 0;
  #closed = false;

  constructor(private readonly host: StreamPlayerHost, o: StreamPlayerOptions = {}) {
    this.#maxHold = Math.round((o.holdMs ?? 100) / 20);
    this.#maxQueued = o.maxQueuedSamples ?? 8000 * 60;
  }

  get playing(): boolean {
    return this.#ctl !== null;
  }

  /** Queues 8 kHz audio; `doneId` (a playAudio clip's) is reported once it has played. */
  enqueue(samples: Int16Array, doneId?: unknown): void {
    if (this.#closed || samples.length === 0) return;
    if (this.#queued + samples.length > this.#maxQueued) {
      this.droppedSamples += samples.length;
      return;
    }
    this.#items.push({ kind: 'audio', samples });
    this.#queued += samples.length;
    if (doneId !== undefined) this.#items.push({ kind: 'done', id: doneId });
    if (!this.#ctl) this.#start();
  }

  mark(name: string): void {
    if (this.#closed) return;
    // Nothing queued before it: it has been played out already.
    if (!this.#ctl && this.#items.length === 0) this.#later(() => this.host.onMark(name, 'playout'));
    // mod_audio_fork holds at most 30 marks; later ones are discarded.
    else if (this.#items.filter((i) => i.kind === 'mark').length < MAX_MARKS) this.#items.push({ kind: 'mark', name });
    else this.droppedMarks++;
  }

  /** `clearMarks`: the waiting marks are forgotten without an event (as mod_audio_fork); the audio plays on. */
  clearMarks(): void {
    this.#takeMarks();
  }

  /** killAudio: the queue is emptied, each waiting mark is reported `cleared`, and the current playback stops now. */
  kill(): void {
    for (const m of this.#takeMarks()) this.#later(() => this.host.onMark(m.name, 'cleared'));
    this.#items.length = 0;
    this.#offset = 0;
    this.#queued = 0;
    const ctl = this.#ctl;
    this.#ctl = null;
    ctl?.abort();
  }

  /** The stream ended: nothing more plays. */
  close(): void {
    this.kill();
    this.#closed = true;
  }

  #takeMarks(): Array<Extract<Item, { kind: 'mark' }>> {
    const marks = this.#items.filter((i): i is Extract<Item, { kind: 'mark' }> => i.kind === 'mark');
    if (marks.length > 0) this.#items.splice(0, this.#items.length, ...this.#items.filter((i) => i.kind !== 'mark'));
    return marks;
  }

  #later(fn: () => void): void {
    queueMicrotask(fn);
  }

  #start(): void {
    const ctl = new AbortController();
    this.#ctl = ctl;
    this.#holdFrames = 0;
    const reader: FrameReader = { read: (out) => (this.#ctl === ctl ? this.#read(out, ctl) : 0) };
    const source: AudioSource = { description: 'listen:bidirectional', open: () => Promise.resolve(reader) };
    // A host that cannot play (the call just ended) may throw at once: that ends it like a rejection.
    new Promise<{ readonly interrupted: boolean }>((resolve) => resolve(this.host.play(source, ctl.signal))).then(
      (r) => this.#ended(ctl, r.interrupted),
      () => this.#ended(ctl, true),
    );
  }

  /** A playback ended: by itself (queue drained), by kill, or by something else (barge-in, hang-up). */
  #ended(ctl: AbortController, interrupted: boolean): void {
    if (this.#ctl !== ctl) return;
    this.#ctl = null;
    // Stopped from outside (config.bargeIn, whisper's interrupt): like killAudio.
    if (interrupted && !ctl.signal.aborted) this.kill();
    else if (this.#queued > 0) this.#start();
  }

  /** One frame for the media tick. */
  #read(out: Int16Array, ctl: AbortController): number {
    let n = 0;
    while (n < out.length && this.#items.length > 0) {
      const head = this.#items[0];
      if (head.kind !== 'audio') {
        this.#items.shift();
        if (head.kind === 'mark') this.#later(() => this.host.onMark(head.name, 'playout'));
        else this.#later(() => this.host.onPlayDone(head.id));
        continue;
      }
      const take = Math.min(out.length - n, head.samples.length - this.#offset);
      out.set(head.samples.subarray(this.#offset, this.#offset + take), n);
      n += take;
      this.#offset += take;
      this.#queued -= take;
      if (this.#offset === head.samples.length) {
        this.#items.shift();
        this.#offset = 0;
      }
    }
    if (n > 0) {
      this.#holdFrames = 0;
      if (n < out.length) out.fill(0, n);
      return out.length;
    }
    // Underrun: bridge a short gap with silence, then end this playback (the next audio starts another).
    if (this.#holdFrames++ < this.#maxHold) {
      out.fill(0);
      return out.length;
    }
    this.#ctl = ctl === this.#ctl ? null : this.#ctl;
    return 0;
  }
}

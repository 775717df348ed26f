/**
 * Polyphase windowed-sinc conversion of a vendor's output rate to 8 kHz. The filter for each of
 * the `up` phases is computed once per rate pair; TTS output is converted in slices that let the
 * event loop through.
 */
const TAPS_PER_SIDE = 24;

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

interface Bank {
  readonly up: number;
  readonly down: number;
  readonly half: number;
  readonly taps: Float32Array[];
}

function bank(from: number, to: number): Bank {
  const g = gcd(from, to);
  const up = to / g;
  const down = from / g;
  const cutoff = Math.min(1, to / from) * 0.94;
  const half = Math.ceil(TAPS_PER_SIDE * Math.max(1, from / to) / 3);
  const taps: Float32Array[] = [];
  for (let phase = 0; phase < up; phase++) {
    const frac = ((phase * down) % up) / up;
    const h = new Float32Array(2 * half);
    let sum = 0;
    for (let j = 0; j < 2 * half; j++) {
      const x = j - half + 1 - frac;
      const w = 0.5 + 0.5 * Math.cos((Math.PI * x) / (half + 1));
      h[j] = (x === 0 ? 1 : Math.sin(Math.PI * cutoff * x) / (Math.PI * cutoff * x)) * w;
      sum += h[j];
    }
    for (let j = 0; j < h.length; j++) h[j] /= sum;
    taps.push(h);
  }
  return { up, down, half, taps };
}

/** A converter for one rate pair; its filter bank is built once. */
export class RateConverter {
  readonly #b: Bank | null;
  constructor(readonly from: number, readonly to = 8000) {
    this.#b = from === to ? null : bank(from, to);
  }

  convert(input: Int16Array): Int16Array {
    const b = this.#b;
    if (!b) return input;
    const out = new Int16Array(Math.floor((input.length * b.up) / b.down));
    this.#run(b, input, out, 0, out.length);
    return out;
  }

  /**
   * The same conversion in slices of `slice` output samples with the event loop let through
   * between them: a long utterance never holds up the playout clock of every call (issue 13).
   */
  async convertYielding(input: Int16Array, slice = 4000): Promise<Int16Array> {
    const b = this.#b;
    if (!b) return input;
    const out = new Int16Array(Math.floor((input.length * b.up) / b.down));
    for (let n = 0; n < out.length; n += slice) {
      this.#run(b, input, out, n, Math.min(out.length, n + slice));
      if (n + slice < out.length) await new Promise<void>((r) => setImmediate(r));
    }
    return out;
  }

  #run(b: Bank, input: Int16Array, out: Int16Array, from: number, to: number): void {
    for (let n = from; n < to; n++) {
      const base = Math.floor((n * b.down) / b.up);
      const h = b.taps[n % b.up];
      let acc = 0;
      for (let j = 0; j < h.length; j++) {
        const k = base + j - b.half + 1;
        if (k >= 0 && k < input.length) acc += input[k] * h[j];
      }
      out[n] = acc > 32767 ? 32767 : acc < -32768 ? -32768 : Math.round(acc);
    }
  }
}

/**
 * The same filter over audio that arrives in chunks (a vendor's TTS stream, a call's 20 ms
 * frames): the input's tail is kept between pushes, so chunk edges leave no clicks. Each output
 * sample is produced once the input it needs has arrived; `flush` ends the stream.
 */
export class StreamingRateConverter {
  readonly #b: Bank | null;
  /** Kept input; `#buf[0]` is input sample number `#bufStart`. */
  #buf = new Int16Array(0);
  #bufStart = 0;
  #received = 0;
  /** The next output sample's number. */
  #n = 0;

  constructor(readonly from: number, readonly to = 8000) {
    this.#b = from === to ? null : bank(from, to);
  }

  /** Converts what `input` completes; returns a new array (the input is never kept by reference). */
  push(input: Int16Array): Int16Array {
    const b = this.#b;
    if (!b) return input.slice();
    const buf = new Int16Array(this.#buf.length + input.length);
    buf.set(this.#buf);
    buf.set(input, this.#buf.length);
    this.#buf = buf;
    this.#received += input.length;
    // Output n needs input up to base(n) + half: n·down/up < received − half.
    const end = Math.max(this.#n, Math.ceil(((this.#received - b.half) * b.up) / b.down));
    return this.#emit(b, end);
  }

  /** The rest of the output, as if the input were followed by silence. */
  flush(): Int16Array {
    const b = this.#b;
    if (!b) return new Int16Array(0);
    return this.#emit(b, Math.floor((this.#received * b.up) / b.down));
  }

  #emit(b: Bank, end: number): Int16Array {
    const out = new Int16Array(Math.max(0, end - this.#n));
    const buf = this.#buf;
    const offset = this.#bufStart + b.half - 1;
    const { up, down, taps } = b;
    let n = this.#n;
    for (let i = 0; i < out.length; i++, n++) {
      const h = taps[n % up];
      // Input index of tap j: base + j − half + 1, as an index into `buf`.
      const k0 = Math.floor((n * down) / up) - offset;
      const j0 = k0 < 0 ? -k0 : 0;
      const j1 = Math.min(h.length, buf.length - k0);
      let acc = 0;
      for (let j = j0; j < j1; j++) acc += buf[k0 + j] * h[j];
      out[i] = acc > 32767 ? 32767 : acc < -32768 ? -32768 : Math.round(acc);
    }
    this.#n = n;
    // Keep only what later outputs can still reach.
    const keepFrom = Math.floor((n * down) / up) - b.half + 1;
    const drop = Math.min(buf.length, Math.max(0, keepFrom - this.#bufStart));
    if (drop > 0) {
      this.#buf = buf.subarray(drop);
      this.#bufStart += drop;
    }
    return out;
  }
}

/**
 * 16-bit little-endian PCM bytes as samples, in one copy (no per-sample reads). `bytes` may be a
 * view at any offset of a larger buffer (a Node Buffer from the pool, a WAV body after its header).
 */
export function pcm16FromBytes(bytes: Uint8Array): Int16Array {
  const n = bytes.length >> 1;
  if (LITTLE_ENDIAN) {
    const out = new Int16Array(n);
    new Uint8Array(out.buffer).set(bytes.subarray(0, n * 2));
    return out;
  }
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = (bytes[2 * i] | (bytes[2 * i + 1] << 8)) << 16 >> 16;
  return out;
}

/** Samples as 16-bit little-endian PCM bytes, in one copy. */
export function pcm16ToBytes(samples: Int16Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(samples.slice().buffer);
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i], 2 * i);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

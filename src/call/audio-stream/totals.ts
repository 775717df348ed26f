/** Process-wide stream figures for `/metrics` (issue 15): streams open, frames sent and dropped. */
export class StreamTotals {
  active = 0;
  framesSent = 0;
  framesDropped = 0;

  opened(): void {
    this.active++;
  }

  closed(): void {
    this.active--;
  }

  frame(sent: boolean): void {
    if (sent) this.framesSent++;
    else this.framesDropped++;
  }

  /** Counts reported in bulk (the stream worker's). */
  frames(sent: number, dropped: number): void {
    this.framesSent += sent;
    this.framesDropped += dropped;
  }
}

/** The gateway's totals (one process, one set); the composition root hands them to the metrics. */
export const STREAM_TOTALS = new StreamTotals();

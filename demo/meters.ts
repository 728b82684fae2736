/** Live numbers for the demo pages: a rate over the last second, and recent latencies. */

/** A gap this long between events ends a burst. */
const IDLE_MS = 300;

/** Events per second over a sliding one-second window, and over the last burst once idle. */
export class RateMeter {
  private readonly times: number[] = [];
  total = 0;
  private burstStart = 0;
  private burstLast = 0;
  private burstCount = 0;

  mark(now = performance.now()): void {
    this.times.push(now);
    this.total++;
    if (now - this.burstLast > IDLE_MS) {
      this.burstStart = now;
      this.burstCount = 0;
    }
    this.burstLast = now;
    this.burstCount++;
  }

  /** "1,234" (per second) while events arrive; "0 (last burst 1,234)" once idle. */
  describe(now = performance.now()): string {
    const live = this.perSecond(now);
    if (live > 0) return live.toLocaleString('en');
    const span = this.burstLast - this.burstStart;
    if (this.burstCount < 2 || span <= 0) return '0';
    return `0 (last burst ${Math.round(((this.burstCount - 1) * 1000) / span).toLocaleString('en')})`;
  }

  perSecond(now = performance.now()): number {
    while (this.times.length > 0 && this.times[0]! < now - 1000) this.times.shift();
    return this.times.length;
  }
}

/** The median of the last `keep` durations, in ms. */
export class LatencyMeter {
  private readonly recent: number[] = [];

  constructor(private readonly keep = 64) {}

  add(ms: number): void {
    this.recent.push(ms);
    if (this.recent.length > this.keep) this.recent.shift();
  }

  median(): number | undefined {
    if (this.recent.length === 0) return undefined;
    const sorted = [...this.recent].sort((a, b) => a - b);
    return sorted[sorted.length >> 1];
  }
}

/** Writes `value` into the `<dd>` of the stats list whose data-stat is `name`. */
export function showStat(name: string, value: string): void {
  const cell = document.querySelector<HTMLElement>(`[data-stat="${name}"]`);
  if (cell && cell.textContent !== value) cell.textContent = value;
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

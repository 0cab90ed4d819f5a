/**
 * Reconnect timing: exponential back-off with full jitter.
 * delay(attempt) = random(0, min(cap, base * 2^attempt)), attempt counting from 0.
 */

export interface BackoffOptions {
  /** ms; the first window is [0, base) */
  baseMs?: number;
  /** ms; no window is wider than this */
  capMs?: number;
  /** failed attempts before giving up (the player then reconnects by hand) */
  maxAttempts?: number;
  /** [0, 1), Math.random in the browser */
  random?: () => number;
}

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_CAP_MS = 30_000;
export const MAX_RECONNECT_ATTEMPTS = 5;

/** The widest pause before attempt `attempt` (0-based): min(cap, base * 2^attempt). */
export function backoffWindow(attempt: number, baseMs = BACKOFF_BASE_MS, capMs = BACKOFF_CAP_MS): number {
  const exponent = Math.max(0, Math.min(attempt, 30));
  return Math.min(capMs, baseMs * 2 ** exponent);
}

/** A pause drawn uniformly from [0, window): "full jitter". */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  baseMs = BACKOFF_BASE_MS,
  capMs = BACKOFF_CAP_MS,
): number {
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.floor(r * backoffWindow(attempt, baseMs, capMs));
}

/**
 * Counts reconnect attempts and schedules the next one with setTimeout (fake timers in
 * tests). `schedule` returns null once `maxAttempts` attempts have failed; `succeeded`
 * starts the count again.
 */
export class ReconnectSchedule {
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly random: () => number;
  readonly maxAttempts: number;
  private failed = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private dueAt: number | null = null;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? BACKOFF_BASE_MS;
    this.capMs = options.capMs ?? BACKOFF_CAP_MS;
    this.random = options.random ?? Math.random;
    this.maxAttempts = options.maxAttempts ?? MAX_RECONNECT_ATTEMPTS;
  }

  /** How many attempts have been scheduled since the last success. */
  get attempts(): number {
    return this.failed;
  }

  get exhausted(): boolean {
    return this.failed >= this.maxAttempts;
  }

  /** When the pending attempt runs (Date.now() ms), or null. */
  get nextAttemptAt(): number | null {
    return this.dueAt;
  }

  /**
   * Schedule the next attempt. `minDelayMs` raises the pause (e.g. "try again later"),
   * `immediate` skips it (the server is restarting: reconnect at once). Returns the
   * delay, or null when the attempts are used up.
   */
  schedule(run: () => void, options: { minDelayMs?: number; immediate?: boolean } = {}): number | null {
    this.cancel();
    if (this.exhausted) return null;
    const drawn = options.immediate === true ? 0 : backoffDelay(this.failed, this.random, this.baseMs, this.capMs);
    const delay = Math.max(drawn, options.minDelayMs ?? 0);
    this.failed += 1;
    this.dueAt = Date.now() + delay;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.dueAt = null;
      run();
    }, delay);
    return delay;
  }

  /** A connection held: the next drop starts from the first window again. */
  succeeded(): void {
    this.failed = 0;
  }

  /** The player asked to reconnect: forget the failures and any pending attempt. */
  reset(): void {
    this.cancel();
    this.failed = 0;
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.dueAt = null;
  }
}

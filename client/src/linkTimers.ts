import { DEFAULT_HEARTBEAT_INTERVAL_MS, PING_INTERVAL_MS, silenceTimeoutMs } from './timing';

/** What the timers of one link do when they fire. */
export interface LinkTimerHooks {
  /** time to send a ping */
  ping(): void;
  /** nothing at all arrived for the silence timeout */
  silent(): void;
  /** the edge did not heal a gap in time */
  gapUnhealed(): void;
  /** the last number delivered in order */
  lastSeq(): number;
}

export interface LinkTimerOptions {
  pingIntervalMs?: number;
  /** fixed silence timeout; by default it follows the announced heartbeat interval */
  silenceTimeoutMs?: number;
  gapTimeoutMs?: number;
}

/**
 * The timers of a live link: a ping every interval, a silence timeout reset by anything
 * that arrives, and a gap watch that gives the edge time to heal a gap before resuming.
 */
export class LinkTimers {
  /** how often the server says it sends heartbeats; kept across reconnects */
  heartbeatIntervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS;
  private readonly hooks: LinkTimerHooks;
  private readonly options: LinkTimerOptions;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private silenceTimer: ReturnType<typeof setTimeout> | null = null;
  private gapTimer: ReturnType<typeof setTimeout> | null = null;
  /** a sequence number the server says exists (held message, heartbeat) */
  private behindTarget = 0;

  constructor(hooks: LinkTimerHooks, options: LinkTimerOptions) {
    this.hooks = hooks;
    this.options = options;
  }

  /** The socket opened. */
  start(): void {
    this.pingTimer = setInterval(() => this.hooks.ping(), this.options.pingIntervalMs ?? PING_INTERVAL_MS);
    this.touch(true);
  }

  /** Something arrived: the link is alive (`active`: the socket is open). */
  touch(active: boolean): void {
    if (this.silenceTimer !== null) clearTimeout(this.silenceTimer);
    this.silenceTimer = null;
    if (!active) return;
    const silence = this.options.silenceTimeoutMs ?? silenceTimeoutMs(this.heartbeatIntervalMs);
    this.silenceTimer = setTimeout(() => this.hooks.silent(), silence);
  }

  /** Number `target` exists but has not arrived: resume unless it does in time. */
  watchGap(target: number): void {
    this.behindTarget = Math.max(this.behindTarget, target);
    if (this.gapTimer !== null) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = null;
      if (this.hooks.lastSeq() < this.behindTarget) this.hooks.gapUnhealed();
    }, this.options.gapTimeoutMs ?? 10_000);
  }

  /** Messages were delivered: drop the gap watch once everything it waited for is here. */
  delivered(lastSeq: number): void {
    if (lastSeq >= this.behindTarget) this.clearGapWatch();
  }

  stop(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    if (this.silenceTimer !== null) clearTimeout(this.silenceTimer);
    this.pingTimer = null;
    this.silenceTimer = null;
    this.clearGapWatch();
  }

  private clearGapWatch(): void {
    if (this.gapTimer !== null) clearTimeout(this.gapTimer);
    this.gapTimer = null;
    this.behindTarget = 0;
  }
}

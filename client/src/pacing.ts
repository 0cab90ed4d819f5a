import type { ServerMessage } from './protocol';
import { isObject } from './protocol';

/** Never send paced commands closer together than this, whatever `retry_after` says. */
export const MIN_PACE_MS = 50;

/** A `command_response` refusing a command for the frame rate: which one, and for how long. */
export interface RateRefusal {
  commandId: string;
  retryAfterMs: number;
}

/**
 * The edge refuses a command sent over its frame rate without running it, and says in
 * `retry_after` when the next frame will be accepted (docs/protocol.md). Such a command is
 * to be sent again later; any other answer is final.
 */
export function rateRefusal(message: ServerMessage): RateRefusal | null {
  if (message.event_type !== 'command_response' || !isObject(message.data)) return null;
  const { command_id: commandId, success, retry_after: retryAfter } = message.data;
  if (success !== false || typeof retryAfter !== 'number' || !Number.isFinite(retryAfter)) return null;
  if (typeof commandId !== 'string' || commandId === '') return null;
  return { commandId, retryAfterMs: Math.max(0, retryAfter * 1000) };
}

/**
 * Sends a connection's queued commands one at a time, `retry_after` apart, once the
 * server has refused one for the rate; stops when the queue is empty. While it runs, new
 * commands join the queue instead of going out at once, so they neither overtake the
 * refused one nor draw more refusals (500 in a minute closes the connection with 1008).
 */
export class CommandPacer {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private spacingMs = MIN_PACE_MS;
  /** Sends the next queued command; true while more are queued. */
  private readonly sendNext: () => boolean;

  constructor(sendNext: () => boolean) {
    this.sendNext = sendNext;
  }

  get pacing(): boolean {
    return this.timer !== null;
  }

  /** The server refused a command for the rate: start (or keep) pacing at its delay. */
  refused(retryAfterMs: number): void {
    this.spacingMs = Math.max(MIN_PACE_MS, retryAfterMs);
    if (this.timer === null) this.timer = setTimeout(() => this.tick(), this.spacingMs);
  }

  /** The link is gone: what is queued goes out with the rest once it is back. */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private tick(): void {
    this.timer = null;
    if (this.sendNext()) this.timer = setTimeout(() => this.tick(), this.spacingMs);
  }
}

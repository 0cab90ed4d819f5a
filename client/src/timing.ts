/**
 * The client's side of the link timings. docs/protocol.md ("Heartbeats and liveness")
 * states them in one table with the server's, and a test checks that they agree.
 */
import { isObject, positiveSeconds, type ServerMessage } from './protocol';

/** Send `{"command":"ping"}` this often: under half the edge's idle close (50 s). */
export const PING_INTERVAL_MS = 20_000;

/** The server's heartbeat interval until it announces its own (the game's default). */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 25_000;

/** Nothing received for this many heartbeat intervals: the link is dead. */
export const SILENCE_PER_HEARTBEAT = 2.4;

/** However short the server's interval, never give up on a link sooner than this. */
export const MIN_SILENCE_MS = 10_000;

/** The silence timeout (ms) for a server that sends heartbeats every `heartbeatIntervalMs`. */
export function silenceTimeoutMs(heartbeatIntervalMs: number): number {
  return Math.max(MIN_SILENCE_MS, SILENCE_PER_HEARTBEAT * heartbeatIntervalMs);
}

/**
 * The heartbeat interval (ms) a server message announces: `game_state` carries
 * `heartbeat_interval_seconds`, each `heartbeat` its `interval_seconds`. Null when the
 * message says nothing usable (absent, not a positive finite number).
 */
export function announcedHeartbeatMs(message: ServerMessage): number | null {
  if (!isObject(message.data)) return null;
  const key =
    message.event_type === 'game_state'
      ? 'heartbeat_interval_seconds'
      : message.event_type === 'heartbeat'
        ? 'interval_seconds'
        : null;
  if (key === null) return null;
  const seconds = positiveSeconds(message.data[key]);
  return seconds === null ? null : seconds * 1000;
}

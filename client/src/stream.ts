import { isObject, type ResumePoint, type ServerMessage } from './protocol';

/**
 * Where the client stands in its stream (docs/protocol.md, "Sequencing"): the epoch and
 * session id from the last `game_state`, the highest number shown, and any messages that
 * arrived ahead of a gap, held until the gap fills.
 */
export interface StreamPosition {
  epoch: string | null;
  sessionId: string | null;
  lastSeq: number;
  /** sequence_number -> message, all above lastSeq + 1 */
  held: ReadonlyMap<number, ServerMessage>;
}

export const EMPTY_STREAM: StreamPosition = {
  epoch: null,
  sessionId: null,
  lastSeq: 0,
  held: new Map(),
};

/** What became of one incoming message. */
export type Arrival =
  /** in order: `ready` is it, followed by any held messages it unblocked */
  | { kind: 'delivered'; ready: ServerMessage[] }
  /** numbered <= lastSeq, or already held: ignored */
  | { kind: 'duplicate' }
  /** ahead of a gap: kept until the missing numbers arrive */
  | { kind: 'held'; missingFrom: number };

/** Past this many held messages the gap is not going to fill by itself: reconnect. */
export const MAX_HELD = 1000;

function epochOf(message: ServerMessage): string | null {
  if (message.event_type !== 'game_state' || !isObject(message.data)) return null;
  const epoch = message.data['epoch'];
  return typeof epoch === 'string' || typeof epoch === 'number' ? String(epoch) : null;
}

function sessionOf(message: ServerMessage): string | null {
  if (!isObject(message.data)) return null;
  const session = message.data['session_id'];
  return typeof session === 'string' ? session : null;
}

/** Deliver `first` and then every held message that now follows without a gap. */
function drain(
  position: StreamPosition,
  first: ServerMessage,
): { position: StreamPosition; ready: ServerMessage[] } {
  const ready = [first];
  let lastSeq = first.sequence_number;
  let held = position.held;
  if (held.size > 0) {
    const remaining = new Map(held);
    let next = remaining.get(lastSeq + 1);
    while (next !== undefined) {
      remaining.delete(lastSeq + 1);
      ready.push(next);
      lastSeq += 1;
      next = remaining.get(lastSeq + 1);
    }
    held = remaining;
  }
  return { position: { ...position, lastSeq, held }, ready };
}

/**
 * Take one stream message (never a control message). Pure: returns the new position.
 *
 * - A `game_state` of another epoch starts a new stream: numbering restarts at 1 and
 *   whatever was held for the old epoch is dropped (a resync, or a fresh connection).
 * - A number at or below `lastSeq`, or one already held, is a duplicate.
 * - `lastSeq + 1` is delivered, with every held message it unblocks, in order.
 * - Anything higher is held until the gap fills.
 */
export function acceptMessage(
  position: StreamPosition,
  message: ServerMessage,
): { position: StreamPosition; arrival: Arrival } {
  const seq = message.sequence_number;
  const epoch = epochOf(message);
  if (epoch !== null && epoch !== position.epoch) {
    const fresh: StreamPosition = {
      epoch,
      sessionId: sessionOf(message) ?? position.sessionId,
      lastSeq: seq - 1,
      held: new Map(),
    };
    const { position: next, ready } = drain(fresh, message);
    return { position: next, arrival: { kind: 'delivered', ready } };
  }
  if (seq <= position.lastSeq || position.held.has(seq)) {
    return { position, arrival: { kind: 'duplicate' } };
  }
  if (seq === position.lastSeq + 1) {
    const { position: next, ready } = drain(position, message);
    return { position: next, arrival: { kind: 'delivered', ready } };
  }
  const held = new Map(position.held);
  held.set(seq, message);
  return {
    position: { ...position, held },
    arrival: { kind: 'held', missingFrom: position.lastSeq + 1 },
  };
}

/** Where to resume from, or null when there is no stream to resume (connect afresh). */
export function resumePoint(position: StreamPosition): ResumePoint | null {
  if (position.epoch === null || position.sessionId === null || position.lastSeq < 1) return null;
  return { sessionId: position.sessionId, epoch: position.epoch, lastSeq: position.lastSeq };
}

/** A reconnect resumes from lastSeq: anything held would be replayed again, so drop it. */
export function dropHeld(position: StreamPosition): StreamPosition {
  return position.held.size === 0 ? position : { ...position, held: new Map() };
}

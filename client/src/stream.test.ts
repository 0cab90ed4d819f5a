import { describe, expect, it } from 'vitest';
import type { ServerMessage } from './protocol';
import { acceptMessage, dropHeld, EMPTY_STREAM, resumePoint, type StreamPosition } from './stream';
import { gameState, say } from './testMessages';

/** Feed messages in; return the sequence numbers delivered, in delivery order. */
function feed(messages: ServerMessage[], start: StreamPosition = EMPTY_STREAM) {
  let position = start;
  const delivered: number[] = [];
  const duplicates: number[] = [];
  for (const message of messages) {
    const result = acceptMessage(position, message);
    position = result.position;
    if (result.arrival.kind === 'delivered') delivered.push(...result.arrival.ready.map((m) => m.sequence_number));
    if (result.arrival.kind === 'duplicate') duplicates.push(message.sequence_number);
  }
  return { position, delivered, duplicates };
}

describe('acceptMessage', () => {
  it('delivers in order and remembers the epoch, session and last number', () => {
    const { position, delivered } = feed([gameState(1), say(2, 'Bob', 'a'), say(3, 'Bob', 'b')]);
    expect(delivered).toEqual([1, 2, 3]);
    expect(position).toMatchObject({ epoch: 'e1', sessionId: 's1', lastSeq: 3 });
    expect(position.held.size).toBe(0);
  });

  it('holds a message ahead of a gap and delivers it once the gap fills, in order', () => {
    let position = feed([gameState(1)]).position;
    const ahead = acceptMessage(position, say(4, 'Bob', 'four'));
    expect(ahead.arrival).toEqual({ kind: 'held', missingFrom: 2 });
    position = acceptMessage(ahead.position, say(3, 'Bob', 'three')).position;
    expect([...position.held.keys()].sort()).toEqual([3, 4]);
    const filled = acceptMessage(position, say(2, 'Bob', 'two'));
    expect(filled.arrival.kind).toBe('delivered');
    if (filled.arrival.kind === 'delivered') {
      expect(filled.arrival.ready.map((m) => m.sequence_number)).toEqual([2, 3, 4]);
    }
    expect(filled.position.lastSeq).toBe(4);
    expect(filled.position.held.size).toBe(0);
  });

  it('drops numbers already delivered and numbers already held', () => {
    const { delivered, duplicates } = feed([
      gameState(1),
      say(2, 'Bob', 'a'),
      say(2, 'Bob', 'a again'),
      say(1, 'Bob', 'old'),
      say(5, 'Bob', 'ahead'),
      say(5, 'Bob', 'ahead again'),
      say(3, 'Bob', 'c'),
      say(4, 'Bob', 'd'),
    ]);
    expect(delivered).toEqual([1, 2, 3, 4, 5]);
    expect(duplicates).toEqual([2, 1, 5]);
  });

  it('a duplicate game_state of the same epoch is dropped too', () => {
    const { duplicates, position } = feed([gameState(1), say(2, 'Bob', 'a'), gameState(1)]);
    expect(duplicates).toEqual([1]);
    expect(position.lastSeq).toBe(2);
  });

  it('starts again at 1 on a game_state of a new epoch, dropping what was held for the old one', () => {
    const before = feed([gameState(1), say(2, 'Bob', 'a'), say(9, 'Bob', 'held')]).position;
    expect(before.held.size).toBe(1);
    const { position, delivered } = feed(
      [gameState(1, undefined, { epoch: 'e2', session_id: 's2', resync: true }), say(2, 'Bob', 'new')],
      before,
    );
    expect(delivered).toEqual([1, 2]);
    expect(position).toMatchObject({ epoch: 'e2', sessionId: 's2', lastSeq: 2 });
    expect(position.held.size).toBe(0);
  });

  it('a resumed stream continues from last_seq + 1 with no duplicate', () => {
    const first = feed([gameState(1), say(2, 'Bob', 'a'), say(3, 'Bob', 'b')]).position;
    // The connection drops; the server replays 2..5 (2 and 3 again, as if a resend overlapped).
    const { delivered, duplicates } = feed(
      [say(2, 'Bob', 'a'), say(3, 'Bob', 'b'), say(4, 'Bob', 'c'), say(5, 'Bob', 'd')],
      dropHeld(first),
    );
    expect(delivered).toEqual([4, 5]);
    expect(duplicates).toEqual([2, 3]);
  });
});

describe('resumePoint', () => {
  it('is null before any game_state, and the position after', () => {
    expect(resumePoint(EMPTY_STREAM)).toBeNull();
    const { position } = feed([gameState(1), say(2, 'Bob', 'a')]);
    expect(resumePoint(position)).toEqual({ sessionId: 's1', epoch: 'e1', lastSeq: 2 });
  });

  it('is null when the game_state named no session', () => {
    const { position } = feed([gameState(1, undefined, { session_id: undefined as unknown as string })]);
    expect(resumePoint(position)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { control, gameState, say } from './testMessages';
import { announcedHeartbeatMs, MIN_SILENCE_MS, silenceTimeoutMs } from './timing';

describe('link timings', () => {
  it('the silence timeout is 2.4 heartbeat intervals, never under the floor', () => {
    expect(silenceTimeoutMs(25_000)).toBe(60_000);
    expect(silenceTimeoutMs(50_000)).toBe(120_000);
    expect(silenceTimeoutMs(1_000)).toBe(MIN_SILENCE_MS);
  });

  it('reads the interval a game_state or a heartbeat announces', () => {
    expect(announcedHeartbeatMs(gameState(1, undefined, { heartbeat_interval_seconds: 5 }))).toBe(5_000);
    expect(announcedHeartbeatMs(control('heartbeat', 1, { interval_seconds: 0.5 }))).toBe(500);
  });

  it('ignores messages that announce nothing usable', () => {
    expect(announcedHeartbeatMs(gameState(1))).toBeNull();
    expect(announcedHeartbeatMs(say(2, 'Bob', 'hi'))).toBeNull();
    for (const bad of [0, -1, '25', null, Number.POSITIVE_INFINITY]) {
      expect(announcedHeartbeatMs(control('heartbeat', 1, { interval_seconds: bad }))).toBeNull();
    }
    expect(announcedHeartbeatMs(control('heartbeat', 1, 'not an object'))).toBeNull();
  });
});

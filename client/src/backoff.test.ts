import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, backoffWindow, ReconnectSchedule } from './backoff';

describe('backoffWindow', () => {
  it('doubles from 1 s and stops at 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map((attempt) => backoffWindow(attempt))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });
});

describe('backoffDelay (full jitter)', () => {
  it('draws uniformly between 0 and the window', () => {
    expect(backoffDelay(3, () => 0)).toBe(0);
    expect(backoffDelay(3, () => 0.5)).toBe(4000);
    expect(backoffDelay(3, () => 0.999999)).toBe(7999);
    expect(backoffDelay(20, () => 0.5)).toBe(15000);
  });

  it('never leaves [0, window) whatever the random source', () => {
    for (let attempt = 0; attempt < 8; attempt += 1) {
      for (let i = 0; i < 50; i += 1) {
        const delay = backoffDelay(attempt);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(backoffWindow(attempt));
      }
    }
  });
});

describe('ReconnectSchedule', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs each attempt after its jittered delay: windows of 1, 2, 4, 8, 16 s', () => {
    const schedule = new ReconnectSchedule({ random: () => 0.75 });
    const run = vi.fn();
    const delays: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      const delay = schedule.schedule(run);
      expect(delay).not.toBeNull();
      delays.push(delay ?? -1);
      vi.advanceTimersByTime((delay ?? 0) - 1);
      expect(run).toHaveBeenCalledTimes(i);
      vi.advanceTimersByTime(1);
      expect(run).toHaveBeenCalledTimes(i + 1);
    }
    expect(delays).toEqual([750, 1500, 3000, 6000, 12000]);
  });

  it('gives up after 5 failed attempts, until reset', () => {
    const schedule = new ReconnectSchedule({ random: () => 0 });
    const run = vi.fn();
    for (let i = 0; i < 5; i += 1) schedule.schedule(run);
    expect(schedule.exhausted).toBe(true);
    expect(schedule.schedule(run)).toBeNull();
    schedule.reset();
    expect(schedule.attempts).toBe(0);
    expect(schedule.schedule(run)).toBe(0);
  });

  it('starts from the first window again after a success', () => {
    const schedule = new ReconnectSchedule({ random: () => 0.5 });
    schedule.schedule(() => {});
    schedule.schedule(() => {});
    schedule.schedule(() => {});
    schedule.succeeded();
    expect(schedule.schedule(() => {})).toBe(500);
  });

  it('caps the pause at 30 s', () => {
    const schedule = new ReconnectSchedule({ random: () => 0.999, maxAttempts: 10 });
    const delays: (number | null)[] = [];
    for (let i = 0; i < 8; i += 1) delays.push(schedule.schedule(() => {}));
    expect(Math.max(...delays.map((d) => d ?? 0))).toBeLessThan(30_000);
    expect(delays.at(-1)).toBe(29_970);
  });

  it('reconnects at once when asked, and waits at least minDelayMs when asked', () => {
    const schedule = new ReconnectSchedule({ random: () => 0.1 });
    const run = vi.fn();
    expect(schedule.schedule(run, { immediate: true })).toBe(0);
    vi.advanceTimersByTime(0);
    expect(run).toHaveBeenCalledTimes(1);
    expect(schedule.schedule(run, { minDelayMs: 2000 })).toBe(2000);
  });

  it('reports when the next attempt is due, and cancel stops it', () => {
    vi.setSystemTime(10_000);
    const schedule = new ReconnectSchedule({ random: () => 0.5 });
    const run = vi.fn();
    schedule.schedule(run);
    expect(schedule.nextAttemptAt).toBe(10_500);
    schedule.cancel();
    expect(schedule.nextAttemptAt).toBeNull();
    vi.advanceTimersByTime(60_000);
    expect(run).not.toHaveBeenCalled();
  });
});

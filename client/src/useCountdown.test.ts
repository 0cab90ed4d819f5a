import { describe, expect, it } from 'vitest';
import { secondsUntil } from './useCountdown';

describe('secondsUntil', () => {
  it('rounds up to whole seconds and stops at 0', () => {
    expect(secondsUntil(null, 0)).toBe(0);
    expect(secondsUntil(3000, 0)).toBe(3);
    expect(secondsUntil(3000, 1)).toBe(3);
    expect(secondsUntil(3000, 2001)).toBe(1);
    expect(secondsUntil(3000, 3000)).toBe(0);
    expect(secondsUntil(3000, 9000)).toBe(0);
  });
});

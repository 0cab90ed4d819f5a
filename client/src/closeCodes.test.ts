import { describe, expect, it } from 'vitest';
import { closePolicy } from './closeCodes';

describe('closePolicy (docs/protocol.md close codes)', () => {
  it.each([
    [1000, false],
    [4001, false],
    [1008, true],
    [1012, true],
    [1013, true],
    [4002, true],
    [4008, true],
    [1006, true],
    [3999, true],
  ])('code %i: reconnect %s', (code, reconnect) => {
    expect(closePolicy(code).reconnect).toBe(reconnect);
  });

  it('pauses on 1008 (a flood) and 1013, goes at once on 1012', () => {
    expect(closePolicy(1008).reauthenticate).toBe(false);
    expect(closePolicy(1008).minDelayMs).toBeGreaterThan(0);
    expect(closePolicy(1012).immediate).toBe(true);
    expect(closePolicy(1013).minDelayMs).toBeGreaterThan(0);
  });
});

describe('kicked by an administrator', () => {
  it('does not reconnect after 4004', () => {
    expect(closePolicy(4004).reconnect).toBe(false);
  });
});

describe('revoked login', () => {
  it('never reconnects with the token it holds after 4009', () => {
    expect(closePolicy(4009).reauthenticate).toBe(true);
  });
});

describe('expired token', () => {
  it('renews the token and resumes after 4003', () => {
    const policy = closePolicy(4003);
    expect(policy.reconnect).toBe(true);
    expect(policy.reauthenticate).toBe(true);
  });
});

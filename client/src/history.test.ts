import { describe, expect, it } from 'vitest';
import { CommandHistory } from './history';

describe('CommandHistory', () => {
  it('walks back with previous and forward with next, then returns the draft', () => {
    const history = new CommandHistory();
    history.push('look');
    history.push('go north');
    expect(history.previous('say hi')).toBe('go north');
    expect(history.previous('go north')).toBe('look');
    expect(history.previous('look')).toBeNull();
    expect(history.next()).toBe('go north');
    expect(history.next()).toBe('say hi');
    expect(history.next()).toBeNull();
  });

  it('has nothing to offer when empty', () => {
    const history = new CommandHistory();
    expect(history.previous('')).toBeNull();
    expect(history.next()).toBeNull();
  });

  it('skips blank lines and an immediate repeat', () => {
    const history = new CommandHistory();
    history.push('look');
    history.push('look');
    history.push('   ');
    expect(history.size).toBe(1);
  });

  it('forgets the oldest line past its limit', () => {
    const history = new CommandHistory(2);
    history.push('a');
    history.push('b');
    history.push('c');
    expect(history.previous('')).toBe('c');
    expect(history.previous('')).toBe('b');
    expect(history.previous('')).toBeNull();
  });

  it('starts from the newest line again after a push', () => {
    const history = new CommandHistory();
    history.push('a');
    history.push('b');
    history.previous('');
    history.previous('');
    history.push('c');
    expect(history.previous('')).toBe('c');
  });
});

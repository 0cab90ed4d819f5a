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

class MemoryStorage {
  readonly data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
}

describe('CommandHistory persistence', () => {
  it('saves every line and reads them back on the next visit', () => {
    const storage = new MemoryStorage();
    const first = new CommandHistory({ storage, key: 'h' });
    first.push('look');
    first.push('go north');
    expect(JSON.parse(storage.getItem('h') ?? '')).toEqual(['look', 'go north']);
    const second = new CommandHistory({ storage, key: 'h' });
    expect(second.previous('')).toBe('go north');
    expect(second.previous('')).toBe('look');
  });

  it('keeps the newest lines within the limit', () => {
    const storage = new MemoryStorage();
    const history = new CommandHistory({ storage, key: 'h', limit: 2 });
    for (const line of ['a', 'b', 'c']) history.push(line);
    expect(JSON.parse(storage.getItem('h') ?? '')).toEqual(['b', 'c']);
  });

  it('ignores stored junk and a storage that throws', () => {
    const storage = new MemoryStorage();
    storage.setItem('h', '{"not": "a list"}');
    expect(new CommandHistory({ storage, key: 'h' }).size).toBe(0);
    storage.setItem('h', '["ok", 3, null]');
    expect(new CommandHistory({ storage, key: 'h' }).lines()).toEqual(['ok']);
    const broken = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('full');
      },
    };
    const history = new CommandHistory({ storage: broken });
    history.push('look');
    expect(history.previous('')).toBe('look');
  });
});

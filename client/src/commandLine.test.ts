import { describe, expect, it } from 'vitest';
import { newCommandId, parseCommandLine, toClientCommand } from './commandLine';

describe('parseCommandLine', () => {
  it('splits the command word from its arguments', () => {
    expect(parseCommandLine('say hello there')).toEqual({ command: 'say', args: ['hello', 'there'] });
  });

  it('gives a command with no arguments an empty list', () => {
    expect(parseCommandLine('look')).toEqual({ command: 'look', args: [] });
  });

  it('removes one leading slash', () => {
    expect(parseCommandLine('/look')).toEqual({ command: 'look', args: [] });
    expect(parseCommandLine('/go north')).toEqual({ command: 'go', args: ['north'] });
    expect(parseCommandLine('  /who  ')).toEqual({ command: 'who', args: [] });
  });

  it('treats a slash followed by spaces like the word after it', () => {
    expect(parseCommandLine('/  look')).toEqual({ command: 'look', args: [] });
  });

  it('turns a leading apostrophe into say with the rest', () => {
    expect(parseCommandLine("'hello there")).toEqual({ command: 'say', args: ['hello', 'there'] });
    expect(parseCommandLine("' hello")).toEqual({ command: 'say', args: ['hello'] });
    expect(parseCommandLine("  'hi")).toEqual({ command: 'say', args: ['hi'] });
  });

  it('keeps apostrophes inside the words of the rest', () => {
    expect(parseCommandLine("'it's late")).toEqual({ command: 'say', args: ["it's", 'late'] });
  });

  it('sends a bare apostrophe as say without arguments (the server explains usage)', () => {
    expect(parseCommandLine("'")).toEqual({ command: 'say', args: [] });
  });

  it('splits on any run of whitespace and ignores it at both ends', () => {
    expect(parseCommandLine('  say \t hello   \n there  ')).toEqual({
      command: 'say',
      args: ['hello', 'there'],
    });
  });

  it('returns null when there is nothing to send', () => {
    expect(parseCommandLine('')).toBeNull();
    expect(parseCommandLine('   \t ')).toBeNull();
    expect(parseCommandLine('/')).toBeNull();
    expect(parseCommandLine(' / ')).toBeNull();
  });

  it('leaves the case of the command alone (the server is case-insensitive)', () => {
    expect(parseCommandLine('LOOK')).toEqual({ command: 'LOOK', args: [] });
  });
});

describe('toClientCommand', () => {
  it('builds the frame with an ISO timestamp and the command id', () => {
    const frame = toClientCommand(
      { command: 'say', args: ['hello', 'there'] },
      new Date('2026-11-25T21:00:00Z'),
      'id-1',
    );
    expect(frame).toEqual({
      command: 'say',
      args: ['hello', 'there'],
      timestamp: '2026-11-25T21:00:00.000Z',
      command_id: 'id-1',
    });
  });

  it('uses a fresh UUID for each command by default', () => {
    const a = toClientCommand({ command: 'look', args: [] });
    const b = toClientCommand({ command: 'look', args: [] });
    expect(a.command_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.command_id).not.toBe(b.command_id);
  });
});

describe('newCommandId', () => {
  it('falls back to getRandomValues where randomUUID is missing (plain http)', () => {
    // Shadow the prototype's method on the instance, then remove the shadow again.
    Object.defineProperty(crypto, 'randomUUID', { value: undefined, configurable: true });
    try {
      expect(newCommandId()).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(newCommandId()).not.toBe(newCommandId());
    } finally {
      Reflect.deleteProperty(crypto, 'randomUUID');
    }
    expect(typeof crypto.randomUUID).toBe('function');
  });
});

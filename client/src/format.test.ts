import { describe, expect, it } from 'vitest';
import { formatEvent, formatRoom, listWords } from './format';
import { gameState, message, ROOM, say } from './testMessages';

describe('formatEvent', () => {
  it('game_state: a welcome and the room, without listing yourself', () => {
    expect(formatEvent(gameState())).toEqual({
      kind: 'room',
      text: [
        'Welcome to Arkham, Alice.',
        'Independence Square',
        'Gas lamps hiss above wet cobbles.',
        'Exits: north and east.',
        'Bob is here.',
      ].join('\n'),
    });
  });

  it('room_update: a short arrival line (the response to the move describes the room)', () => {
    const room = { ...ROOM, name: 'River Street', exits: { west: 'independence-square' }, occupants: ['Alice'] };
    expect(formatEvent(message(2, 'room_update', { room }))).toEqual({
      kind: 'room',
      text: '— River Street —',
    });
  });

  it('player_entered: "<name> enters the room."', () => {
    const event = message(3, 'player_entered', { player_id: 'p-carl', player_name: 'Carl' });
    expect(formatEvent(event)).toEqual({ kind: 'movement', text: 'Carl enters the room.' });
  });

  it('player_left: "<name> leaves the room."', () => {
    const event = message(4, 'player_left', { player_id: 'p-carl', player_name: 'Carl' });
    expect(formatEvent(event)).toEqual({ kind: 'movement', text: 'Carl leaves the room.' });
  });

  it('chat_message: the text as the server wrote it', () => {
    expect(formatEvent(say(5, 'Bob', 'hello'))).toEqual({ kind: 'chat', text: 'Bob says: hello' });
  });

  it('chat_message without text: built from the name and message', () => {
    const event = message(5, 'chat_message', { channel: 'say', player_name: 'Bob', message: 'hi' });
    expect(formatEvent(event)).toEqual({ kind: 'chat', text: 'Bob says: hi' });
  });

  it('command_response: the result', () => {
    const event = message(6, 'command_response', {
      command: 'say',
      command_id: 'c1',
      success: true,
      result: 'You say: hello',
    });
    expect(formatEvent(event)).toEqual({ kind: 'response', text: 'You say: hello' });
  });

  it('command_response that failed: the result, styled as an error', () => {
    const event = message(7, 'command_response', {
      command: 'dance',
      command_id: 'c2',
      success: false,
      result: "Unknown command 'dance'. Type help.",
    });
    expect(formatEvent(event)).toEqual({ kind: 'error', text: "Unknown command 'dance'. Type help." });
  });

  it('error: the message, styled as an error', () => {
    const event = message(8, 'error', { message: 'invalid JSON', command_id: null });
    expect(formatEvent(event)).toEqual({ kind: 'error', text: 'invalid JSON' });
  });

  it('disconnect: a notice with the reason', () => {
    const event = message(9, 'disconnect', { code: 4001, reason: 'session replaced' });
    expect(formatEvent(event)).toEqual({
      kind: 'system',
      text: 'The server is closing the connection: session replaced',
    });
  });

  it('an unknown event type: shown generically', () => {
    const event = message(10, 'weather', { sky: 'gibbous moon' });
    expect(formatEvent(event)).toEqual({ kind: 'unknown', text: '[weather] {"sky":"gibbous moon"}' });
  });

  it('an unknown event type without data', () => {
    expect(formatEvent(message(11, 'tick', undefined))).toEqual({ kind: 'unknown', text: '[tick]' });
  });

  it('a known type with malformed data: shown generically instead of crashing', () => {
    expect(formatEvent(message(12, 'room_update', { room: 'nowhere' }))).toEqual({
      kind: 'unknown',
      text: '[room_update] {"room":"nowhere"}',
    });
    expect(formatEvent(message(13, 'player_entered', null))).toEqual({
      kind: 'unknown',
      text: '[player_entered] null',
    });
  });

  it('shortens a huge unknown payload', () => {
    const text = formatEvent(message(14, 'blob', { x: 'y'.repeat(5000) })).text;
    expect(text.length).toBeLessThan(600);
    expect(text.endsWith('…')).toBe(true);
  });

  it('keeps markup as plain text (rendering escapes it)', () => {
    expect(formatEvent(say(15, 'Bob', '<b>boo</b>')).text).toBe('Bob says: <b>boo</b>');
  });
});

describe('formatRoom', () => {
  it('says so when there is no way out and nobody else', () => {
    expect(formatRoom({ ...ROOM, description: '', exits: {}, occupants: ['Alice'] }, 'Alice')).toBe(
      'Independence Square\nThere is no obvious way out.',
    );
  });

  it('lists several others', () => {
    const room = { ...ROOM, occupants: ['Alice', 'Bob', 'Carl', 'Dora'] };
    expect(formatRoom(room, 'Alice').split('\n').at(-1)).toBe('Bob, Carl and Dora are here.');
  });
});

describe('listWords', () => {
  it('joins words in English', () => {
    expect(listWords([])).toBe('');
    expect(listWords(['up'])).toBe('up');
    expect(listWords(['up', 'down'])).toBe('up and down');
    expect(listWords(['n', 's', 'e'])).toBe('n, s and e');
  });
});

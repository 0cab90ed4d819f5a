import { describe, expect, it } from 'vitest';
import { decodeEvent, gameSocketProtocols, gameSocketUrl, parseServerMessage } from './protocol';
import { gameState, message, ROOM } from './testMessages';

describe('parseServerMessage', () => {
  it('reads a JSON envelope', () => {
    const raw = JSON.stringify({
      event_type: 'chat_message',
      timestamp: '2026-11-25T21:00:00.000000Z',
      sequence_number: 7,
      player_id: 'me',
      room_id: 'independence-square',
      data: { text: 'Bob says: hello' },
    });
    expect(parseServerMessage(raw)).toEqual({
      event_type: 'chat_message',
      timestamp: '2026-11-25T21:00:00.000000Z',
      sequence_number: 7,
      player_id: 'me',
      room_id: 'independence-square',
      data: { text: 'Bob says: hello' },
    });
  });

  it('leaves out player_id and room_id when absent', () => {
    const parsed = parseServerMessage('{"event_type":"x","sequence_number":1,"data":{}}');
    expect(parsed).toEqual({ event_type: 'x', timestamp: '', sequence_number: 1, data: {} });
  });

  it.each([
    ['not JSON', 'hello'],
    ['an array', '[1,2]'],
    ['no event type', '{"sequence_number":1,"data":{}}'],
    ['no sequence number', '{"event_type":"x","data":{}}'],
    ['a fractional sequence number', '{"event_type":"x","sequence_number":1.5}'],
    ['a string sequence number', '{"event_type":"x","sequence_number":"1"}'],
  ])('rejects %s', (_label, raw) => {
    expect(parseServerMessage(raw)).toBeNull();
  });

  it('rejects binary frames', () => {
    expect(parseServerMessage(new ArrayBuffer(4))).toBeNull();
  });
});

describe('decodeEvent', () => {
  it('checks game_state data', () => {
    const event = decodeEvent(gameState());
    expect(event.type).toBe('game_state');
  });

  it('decodes data in the shape of the generated wire types', () => {
    expect(decodeEvent(gameState())).toEqual({
      type: 'game_state',
      data: {
        player: { id: 'p-alice', name: 'Alice' },
        room: ROOM,
        epoch: 'e1',
        session_id: 's1',
        resync: false,
        heartbeat_interval_seconds: null,
        stats: [],
        character: null,
      },
    });
    expect(decodeEvent(gameState(1, ROOM, { heartbeat_interval_seconds: 25 }))).toMatchObject({
      data: { heartbeat_interval_seconds: 25 },
    });
    expect(decodeEvent(message(4, 'game_tick', { tick_number: 60, timestamp: 't' }))).toEqual({
      type: 'game_tick',
      data: { tick_number: 60, timestamp: 't' },
    });
  });

  it('drops exits, occupants and NPCs of the wrong type rather than failing', () => {
    const npc = { id: 'npc-1', prototype: 'ghoul', name: 'a ghoul' };
    const event = decodeEvent(
      message(2, 'room_update', {
        room: {
          id: 'r',
          name: 'R',
          exits: { north: 'n', bad: 3 },
          occupants: ['A', 7],
          npcs: [npc, { id: 'npc-2' }, 'x'],
        },
      }),
    );
    expect(event).toEqual({
      type: 'room_update',
      data: {
        room: { id: 'r', name: 'R', description: '', exits: { north: 'n' }, occupants: ['A'], items: [], npcs: [npc] },
      },
    });
  });

  it('treats a command_response without success: false as a success', () => {
    const event = decodeEvent(message(3, 'command_response', { result: 'ok' }));
    expect(event).toMatchObject({ type: 'command_response', data: { success: true, result: 'ok' } });
  });
});

describe('the socket address', () => {
  it('uses ws:// on http pages and wss:// on https pages, same host', () => {
    expect(gameSocketUrl({ protocol: 'http:', host: '127.0.0.1:54731' })).toBe(
      'ws://127.0.0.1:54731/api/ws',
    );
    expect(gameSocketUrl({ protocol: 'https:', host: 'mythos.example' })).toBe(
      'wss://mythos.example/api/ws',
    );
  });

  it('offers the token as the bearer subprotocol', () => {
    expect(gameSocketProtocols('tok')).toEqual(['bearer', 'tok']);
  });
});

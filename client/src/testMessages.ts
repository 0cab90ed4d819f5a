// Builders for server messages, shared by the unit tests (not part of the bundle).
import type { Room, ServerMessage } from './protocol';

export const ROOM: Room = {
  id: 'independence-square',
  name: 'Independence Square',
  description: 'Gas lamps hiss above wet cobbles.',
  exits: { north: 'miskatonic-gate', east: 'river-street' },
  occupants: ['Alice', 'Bob'],
  items: [],
  npcs: [],
};

export function message(
  seq: number,
  eventType: string,
  data: unknown,
  extra: Partial<ServerMessage> = {},
): ServerMessage {
  return {
    event_type: eventType,
    timestamp: '2026-11-25T21:00:00.000000Z',
    sequence_number: seq,
    player_id: 'p-alice',
    data,
    ...extra,
  };
}

export function gameState(
  seq = 1,
  room: Room = ROOM,
  extra: {
    epoch?: string;
    session_id?: string;
    resync?: boolean;
    stats?: unknown;
    heartbeat_interval_seconds?: number;
  } = {},
): ServerMessage {
  return message(seq, 'game_state', {
    player: { id: 'p-alice', name: 'Alice' },
    room,
    epoch: 'e1',
    session_id: 's1',
    resync: false,
    ...extra,
  });
}

export function response(seq: number, commandId: string, result: string, command = 'look'): ServerMessage {
  return message(seq, 'command_response', { command, command_id: commandId, success: true, result });
}

export function control(eventType: 'heartbeat' | 'pong' | 'disconnect', seq: number, data: unknown = {}): ServerMessage {
  return message(seq, eventType, data);
}

export function say(seq: number, name: string, text: string): ServerMessage {
  return message(seq, 'chat_message', {
    channel: 'say',
    player_id: `p-${name.toLowerCase()}`,
    player_name: name,
    message: text,
    text: `${name} says: ${text}`,
  });
}

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
    character?: unknown;
    player?: { id: string; name: string };
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

export const STATUS = {
  dp: 20, max_dp: 20, mp: 10, max_mp: 10, lucidity: 100, max_lucidity: 100,
  tier: 'lucid', condition: 'healthy', in_combat: false, xp: 0,
};

export const CHARACTERISTICS = { str: 50, con: 50, siz: 50, dex: 50, cha: 50, int: 50, pow: 50, edu: 50, luck: 50 };

export const LANTERN = { id: 'it-1', prototype: 'brass-lantern', name: 'a brass lantern', weight: 3 };
export const STICK = { id: 'it-2', prototype: 'walking-stick', name: 'a blackthorn walking stick', weight: 2 };
export const GHOUL = { id: 'npc-1', prototype: 'ghoul', name: 'a ghoul' };

export function inventory(carried: unknown[] = [], worn: Record<string, unknown> = {}, weight = 0): unknown {
  return { carried, worn, weight, max_weight: 35, things: carried.length, max_things: 20 };
}

export function character(status: Partial<typeof STATUS> = {}, inv: unknown = inventory()): unknown {
  return { profession: 'drifter', characteristics: CHARACTERISTICS, status: { ...STATUS, ...status }, inventory: inv };
}

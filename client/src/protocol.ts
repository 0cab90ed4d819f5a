/**
 * The wire protocol between the browser and the Mythos server (see docs/protocol.md).
 *
 * Everything arriving from the network is `unknown` until it has been checked here:
 * a malformed frame must never crash the client, so the decoders return `null`
 * (or an "unknown" event) instead of throwing.
 */

import * as wire from './protocol.generated';
import { decodeCharacter, decodeDistortion, decodeGameplayEvent, type GameplayEvent } from './protocolGameplay';

// The wire types are generated from the contract (libs/contracts/schema/protocol.schema.json,
// `make protocol`). What the decoders below return follows them; where this client accepts
// more than the contract promises (an event type or chat channel it does not know yet), the
// type says so, so that an older client keeps working against a newer server.

/** The `data` the contract gives messages of event type `K`. */
export type PayloadOf<K extends wire.EventType> = Extract<wire.ServerMessage, { event_type: K }>['data'];

export type Room = wire.RoomView;
export type RoomThing = wire.RoomThing;
export type PlayerRef = wire.PlayerView;
export type EventType = wire.EventType;

/** The envelope every server message shares. `data` is checked per event type. */
export interface ServerMessage extends Omit<wire.Envelope, 'event_type' | 'player_id' | 'room_id' | 'data'> {
  /** any string: an unknown type is shown, not dropped */
  event_type: string;
  player_id?: string;
  room_id?: string;
  data: unknown;
}

/** One figure for the status panel, as the game names it (e.g. `{name: "sanity", value: 80}`). */
export interface Stat {
  name: string;
  value: string | number | boolean;
}

export interface GameStateData extends PayloadOf<'game_state'> {
  /** whatever figures the game sends with the player (none in the contract yet), in order */
  stats: Stat[];
}

export type RoomUpdateData = PayloadOf<'room_update'>;
export type PresenceData = PayloadOf<'player_entered' | 'player_left'>;

export interface ChatMessageData extends Omit<PayloadOf<'chat_message'>, 'channel'> {
  /** a channel this client does not know yet is still shown, in a tab of its own */
  channel: wire.ChatMessageData['channel'] | (string & {});
}

export type GameTickData = PayloadOf<'game_tick'>;
export type CommandResponseData = PayloadOf<'command_response'>;
export type ErrorData = PayloadOf<'error'>;
export type DisconnectData = PayloadOf<'disconnect'>;

/** A server message whose data has been checked against its event type. */
export type GameEvent =
  | { type: 'game_state'; data: GameStateData }
  | { type: 'room_update'; data: RoomUpdateData }
  | { type: 'player_entered'; data: PresenceData }
  | { type: 'player_left'; data: PresenceData }
  | { type: 'chat_message'; data: ChatMessageData }
  | { type: 'command_response'; data: CommandResponseData }
  | { type: 'error'; data: ErrorData }
  | { type: 'disconnect'; data: DisconnectData }
  | { type: 'game_tick'; data: GameTickData }
  | GameplayEvent
  /** an event type this client does not know, or a known one whose data did not check out */
  | { type: 'unknown'; eventType: string; data: unknown };

/**
 * Messages outside the stream: their sequence_number is the last one issued and does not
 * advance, and they are never replayed (docs/protocol.md, "Sequencing").
 */
export const CONTROL_EVENT_TYPES: ReadonlySet<string> = new Set<string>(wire.CONTROL_EVENT_TYPES);

export function isControlMessage(message: ServerMessage): boolean {
  return CONTROL_EVENT_TYPES.has(message.event_type);
}

/** What the client sends: one command per frame, always with its time and id. */
export interface ClientCommand extends wire.ClientCommand {
  args: string[];
  timestamp: string;
  command_id: string;
}

/** The keep-alive frame: answered by the edge with a `pong`, never reaches the game. */
export const PING_FRAME = '{"command":"ping"}';

// ---------------------------------------------------------------------------
// Small checking helpers

type Obj = Record<string, unknown>;

export function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(obj: Obj, key: string): string | null {
  const v = obj[key];
  return typeof v === 'string' ? v : null;
}

/** A positive, finite number of seconds, else null. */
export function positiveSeconds(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

// ---------------------------------------------------------------------------
// Decoders

/** Parse one WebSocket frame. Returns null when it is not a valid envelope. */
export function parseServerMessage(raw: unknown): ServerMessage | null {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      return null;
    }
  }
  if (!isObject(value)) return null;
  const eventType = value['event_type'];
  const seq = value['sequence_number'];
  if (typeof eventType !== 'string' || eventType === '') return null;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return null;
  const message: ServerMessage = {
    event_type: eventType,
    timestamp: typeof value['timestamp'] === 'string' ? value['timestamp'] : '',
    sequence_number: seq,
    data: value['data'],
  };
  const playerId = value['player_id'];
  if (typeof playerId === 'string') message.player_id = playerId;
  const roomId = value['room_id'];
  if (typeof roomId === 'string') message.room_id = roomId;
  return message;
}

export function decodeRoom(value: unknown): Room | null {
  if (!isObject(value)) return null;
  const id = str(value, 'id');
  const name = str(value, 'name');
  if (id === null || name === null) return null;
  const exits: Record<string, string> = {};
  const rawExits = value['exits'];
  if (isObject(rawExits)) {
    for (const [direction, target] of Object.entries(rawExits)) {
      if (typeof target === 'string') exits[direction] = target;
    }
  }
  const rawOccupants = value['occupants'];
  const occupants = Array.isArray(rawOccupants)
    ? rawOccupants.filter((o): o is string => typeof o === 'string')
    : [];
  const items = decodeThings(value['items']);
  const npcs = decodeThings(value['npcs']);
  return { id, name, description: str(value, 'description') ?? '', exits, occupants, items, npcs };
}

/** Items on the floor or NPCs: the well-formed entries of a list, in order. */
function decodeThings(value: unknown): RoomThing[] {
  return Array.isArray(value) ? value.flatMap(decodeThing) : [];
}

function decodeThing(value: unknown): RoomThing[] {
  if (!isObject(value)) return [];
  const id = str(value, 'id');
  const prototype = str(value, 'prototype');
  const name = str(value, 'name');
  return id !== null && prototype !== null && name !== null ? [{ id, prototype, name }] : [];
}

function decodePlayer(value: unknown): PlayerRef | null {
  if (!isObject(value)) return null;
  const id = str(value, 'id');
  const name = str(value, 'name');
  return id !== null && name !== null ? { id, name } : null;
}

function isStatValue(value: unknown): value is Stat['value'] {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** `{"health": 10, "sanity": 80}` -> stats, skipping values that are not plain figures. */
export function decodeStats(value: unknown): Stat[] {
  if (!isObject(value)) return [];
  return Object.entries(value)
    .filter((entry): entry is [string, Stat['value']] => isStatValue(entry[1]))
    .map(([name, stat]) => ({ name, value: stat }));
}

function decodePresence(data: Obj): PresenceData | null {
  const name = str(data, 'player_name');
  if (name === null) return null;
  return { player_id: str(data, 'player_id') ?? '', player_name: name };
}

function decodeData(eventType: string, data: unknown): GameEvent | null {
  if (!isObject(data)) return null;
  switch (eventType) {
    case 'game_state': {
      const player = decodePlayer(data['player']);
      const room = decodeRoom(data['room']);
      if (player === null || room === null) return null;
      const epoch = data['epoch'];
      const rawPlayer = data['player'];
      const stats = decodeStats(data['stats']);
      return {
        type: 'game_state',
        data: {
          player,
          room,
          epoch: typeof epoch === 'string' || typeof epoch === 'number' ? String(epoch) : '',
          session_id: str(data, 'session_id') ?? '',
          resync: data['resync'] === true,
          heartbeat_interval_seconds: positiveSeconds(data['heartbeat_interval_seconds']),
          stats: stats.length > 0 ? stats : isObject(rawPlayer) ? decodeStats(rawPlayer['stats']) : [],
          character: decodeCharacter(data['character']),
        },
      };
    }
    case 'room_update': {
      const room = decodeRoom(data['room']);
      return room === null ? null : { type: 'room_update', data: { room } };
    }
    case 'player_entered':
    case 'player_left': {
      const presence = decodePresence(data);
      return presence === null ? null : { type: eventType, data: presence };
    }
    case 'chat_message': {
      const text = str(data, 'text');
      const message = str(data, 'message');
      const playerName = str(data, 'player_name');
      if (text === null && (message === null || playerName === null)) return null;
      return {
        type: 'chat_message',
        data: {
          channel: str(data, 'channel') ?? 'say',
          player_id: str(data, 'player_id') ?? '',
          player_name: playerName ?? '',
          message: message ?? '',
          text: text ?? `${playerName ?? ''} says: ${message ?? ''}`,
          history: data['history'] === true,
          distortion: decodeDistortion(data['distortion']),
        },
      };
    }
    case 'command_response': {
      const result = str(data, 'result');
      if (result === null) return null;
      return {
        type: 'command_response',
        data: {
          command: str(data, 'command') ?? '',
          command_id: str(data, 'command_id'),
          success: data['success'] !== false,
          result,
        },
      };
    }
    case 'error': {
      const message = str(data, 'message');
      if (message === null) return null;
      return { type: 'error', data: { message, command_id: str(data, 'command_id') } };
    }
    case 'disconnect': {
      const code = data['code'];
      return {
        type: 'disconnect',
        data: {
          // 1005 is the WebSocket standard's "no code given"
          code: typeof code === 'number' ? code : 1005,
          reason: str(data, 'reason') ?? '',
        },
      };
    }
    case 'game_tick': {
      const tick = data['tick_number'];
      return typeof tick === 'number' && Number.isFinite(tick)
        ? { type: 'game_tick', data: { tick_number: tick, timestamp: str(data, 'timestamp') ?? '' } }
        : null;
    }
    default:
      return decodeGameplayEvent(eventType, data);
  }
}

/** Check a message's data against its event type. Never throws. */
export function decodeEvent(message: ServerMessage): GameEvent {
  return (
    decodeData(message.event_type, message.data) ?? {
      type: 'unknown',
      eventType: message.event_type,
      data: message.data,
    }
  );
}

// ---------------------------------------------------------------------------
// Where to connect

/** `ws(s)://<host>/api/ws` on the page's own origin. */
export function gameSocketUrl(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/ws`;
}

/** Where a client picks its stream up again after a reconnect. */
export interface ResumePoint {
  sessionId: string;
  epoch: string;
  lastSeq: number;
}

/** The socket address, with `?session_id=&epoch=&last_seq=` when resuming a stream. */
export function resumeUrl(base: string, resume: ResumePoint | null): string {
  if (resume === null) return base;
  const query = new URLSearchParams({
    session_id: resume.sessionId,
    epoch: resume.epoch,
    last_seq: String(resume.lastSeq),
  });
  return `${base}?${query.toString()}`;
}

/** Subprotocols that carry the access token (the server selects `bearer`). */
export function gameSocketProtocols(token: string): string[] {
  return ['bearer', token];
}

import { decodeEvent, type GameEvent, type Room, type ServerMessage } from './protocol';

/**
 * How a log line is styled. `input` echoes what the player typed, `system` is the
 * client's own notices (connection lost, ...), the rest come from server events:
 * `combat` the fight, `narration` what the game tells of others (aid, prayer...),
 * `item` things moved by others, `status` changes to your vitals, `hallucination`
 * what only your troubled mind perceives.
 */
export type LineKind =
  | 'room'
  | 'movement'
  | 'chat'
  | 'response'
  | 'error'
  | 'system'
  | 'input'
  | 'combat'
  | 'narration'
  | 'item'
  | 'status'
  | 'hallucination'
  | 'unknown';

/**
 * One line (possibly spanning several text lines) for the game log. Plain text only.
 * An empty text means the event adds no line (its effect shows in a panel).
 */
export interface FormattedLine {
  kind: LineKind;
  text: string;
}

/** `north, south and up`; English list of words. */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

/** A room as the log shows it: name, description, exits and who is here. */
export function formatRoom(room: Room, you?: string): string {
  const lines = [room.name];
  if (room.description !== '') lines.push(room.description);
  const exits = Object.keys(room.exits);
  lines.push(exits.length > 0 ? `Exits: ${listWords(exits)}.` : 'There is no obvious way out.');
  const others = room.occupants.filter((name) => name !== you);
  if (others.length > 0) {
    lines.push(`${listWords(others)} ${others.length === 1 ? 'is' : 'are'} here.`);
  }
  if (room.npcs.length > 0) lines.push(`Creatures: ${listWords(room.npcs.map((npc) => npc.name))}.`);
  if (room.items.length > 0) lines.push(`On the ground: ${listWords(room.items.map((item) => item.name))}.`);
  return lines.join('\n');
}

const MAX_UNKNOWN_CHARS = 500;

function describeUnknown(eventType: string, data: unknown): string {
  let body: string | undefined;
  try {
    body = JSON.stringify(data);
  } catch {
    body = String(data);
  }
  if (body === undefined || body === '' || body === '{}') return `[${eventType}]`;
  if (body.length > MAX_UNKNOWN_CHARS) body = `${body.slice(0, MAX_UNKNOWN_CHARS)}…`;
  return `[${eventType}] ${body}`;
}

/** The log line for a decoded event. */
export function formatGameEvent(event: GameEvent): FormattedLine {
  switch (event.type) {
    case 'game_state': {
      const greeting = event.data.resync ? 'You are back in Arkham' : 'Welcome to Arkham';
      return {
        kind: 'room',
        text: `${greeting}, ${event.data.player.name}.\n${formatRoom(event.data.room, event.data.player.name)}`,
      };
    }
    case 'room_update':
      // The command that moved you already describes the new room; mark the arrival only.
      return { kind: 'room', text: `— ${event.data.room.name} —` };
    case 'player_entered':
      return { kind: 'movement', text: `${event.data.player_name} enters the room.` };
    case 'player_left':
      return { kind: 'movement', text: `${event.data.player_name} leaves the room.` };
    case 'chat_message':
      return { kind: 'chat', text: event.data.history ? `(earlier) ${event.data.text}` : event.data.text };
    case 'game_tick':
      return { kind: 'system', text: `The clock of the world strikes ${event.data.tick_number}.` };
    case 'command_response':
      return { kind: event.data.success ? 'response' : 'error', text: event.data.result };
    case 'error':
      return { kind: 'error', text: event.data.message };
    case 'disconnect': {
      const reason = event.data.reason !== '' ? `: ${event.data.reason}` : '.';
      return { kind: 'system', text: `The server is closing the connection${reason}` };
    }
    case 'status_update':
      return { kind: 'status', text: event.data.text ?? '' };
    case 'inventory_update':
    case 'character_list':
    case 'character_roll':
      // The panels show these, and the command's response tells the rest.
      return { kind: 'response', text: '' };
    case 'item_event':
      return { kind: 'item', text: event.data.text };
    case 'npc_entered':
    case 'npc_left':
      return { kind: 'movement', text: event.data.text ?? '' };
    case 'combat_event':
      return { kind: 'combat', text: event.data.text };
    case 'room_message':
      return { kind: 'narration', text: event.data.text };
    case 'hallucination':
      return { kind: 'hallucination', text: event.data.text };
    case 'unknown':
      return { kind: 'unknown', text: describeUnknown(event.eventType, event.data) };
  }
}

/** The log line for a server message (decodes it first). Never throws. */
export function formatEvent(message: ServerMessage): FormattedLine {
  return formatGameEvent(decodeEvent(message));
}

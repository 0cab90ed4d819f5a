import { applyGameplay, type GameplayView } from './applyGameplay';
import { addChatLine, emptyChat, type ChatState } from './chat';
import { formatGameEvent, type LineKind } from './format';
import {
  decodeEvent,
  decodeStats,
  isObject,
  type GameEvent,
  type PlayerRef,
  type Room,
  type ServerMessage,
  type Stat,
} from './protocol';

/** One line of the game log. Plain text, never HTML. */
export interface LogLine {
  /** unique within the page; the React key */
  id: number;
  kind: LineKind;
  text: string;
  /** the server's sequence_number, or null for a line of the client's own */
  seq: number | null;
  /** for chat lines: the channel */
  channel?: string;
  /** what kind of combat event, narration or hallucination it is (for styling) */
  variant?: string;
  /** for chat lines: what a troubled mind did to it (muffled, scrambled, glyph, strained) */
  distortion?: readonly string[];
}

/** What the screen shows, built from the stream in order. */
export interface GameView extends GameplayView {
  player: PlayerRef | null;
  stats: readonly Stat[];
  /** the world's clock, when the game sends it */
  tick: number | null;
  log: readonly LogLine[];
  chat: ChatState;
  /** command ids whose response is already in the log (a re-sent command is answered again) */
  answered: readonly string[];
  /** how many times the server could not resume and sent a fresh state */
  resyncs: number;
}

export const MAX_LOG_LINES = 2000;
const MAX_ANSWERED = 256;

export const RESYNC_NOTICE =
  'Some messages could not be recovered after the reconnect: the view was rebuilt from a fresh state.';

function withOccupant(room: Room, name: string, present: boolean): Room {
  const has = room.occupants.includes(name);
  if (present === has) return room;
  return {
    ...room,
    occupants: present ? [...room.occupants, name] : room.occupants.filter((o) => o !== name),
  };
}

function commandWord(command: string): string {
  return command.trim().replace(/^\//, '').toLowerCase();
}

/** What a line keeps of its event besides the text: the chat channel, the kind of fight or vision. */
function lineDetails(event: GameEvent): Partial<LogLine> {
  switch (event.type) {
    case 'chat_message':
      return event.data.distortion.length > 0
        ? { channel: event.data.channel, distortion: event.data.distortion }
        : { channel: event.data.channel };
    case 'combat_event':
    case 'room_message':
    case 'hallucination':
      return { variant: event.data.kind };
    default:
      return {};
  }
}

/** Append lines, keeping only the newest `max`. */
export function appendLines(log: readonly LogLine[], lines: LogLine[], max = MAX_LOG_LINES): LogLine[] {
  const next = [...log, ...lines];
  return next.length > max ? next.slice(next.length - max) : next;
}

/**
 * Apply one in-order stream message to the view. Pure apart from `nextId`, which numbers
 * the new lines.
 */
export function applyEvent(view: GameView, message: ServerMessage, nextId: () => number): GameView {
  const event = decodeEvent(message);
  const seq = message.sequence_number;
  const lines: LogLine[] = [];
  const log = (kind: LineKind, text: string, extra: Partial<LogLine> = {}) => {
    lines.push({ ...extra, id: nextId(), kind, text, seq });
  };
  let next: GameView = view;

  switch (event.type) {
    case 'game_state': {
      const { data } = event;
      const resync = data.resync && view.player !== null;
      if (resync) log('system', RESYNC_NOTICE);
      // `play` of another character: its chat history follows, as at a login, so the tabs
      // start again rather than show the history twice.
      const switched = view.player !== null && view.player.id !== data.player.id;
      next = {
        ...next,
        ...(switched ? { chat: emptyChat() } : {}),
        player: data.player,
        room: data.room,
        stats: data.stats,
        resyncs: view.resyncs + (data.resync ? 1 : 0),
      };
      break;
    }
    case 'room_update':
      next = { ...next, room: event.data.room };
      break;
    case 'player_entered':
    case 'player_left':
      if (next.room !== null) {
        next = { ...next, room: withOccupant(next.room, event.data.player_name, event.type === 'player_entered') };
      }
      break;
    case 'chat_message': {
      const { data } = event;
      next = {
        ...next,
        chat: addChatLine(next.chat, {
          id: nextId(),
          channel: data.channel,
          text: data.text,
          own: data.player_id !== '' && data.player_id === view.player?.id,
          history: data.history,
          distortion: data.distortion,
        }),
      };
      break;
    }
    case 'command_response': {
      const { data } = event;
      if (data.command_id !== null) {
        if (view.answered.includes(data.command_id)) return view; // the answer to a re-send
        next = { ...next, answered: [...view.answered, data.command_id].slice(-MAX_ANSWERED) };
      }
      if (data.success && commandWord(data.command) === 'say') {
        next = {
          ...next,
          chat: addChatLine(next.chat, {
            id: nextId(),
            channel: 'say',
            text: data.result,
            own: true,
            history: false,
            distortion: [],
          }),
        };
      }
      break;
    }
    case 'game_tick':
      // The clock goes to the status panel, not the log.
      return { ...next, tick: event.data.tick_number };
    default:
      break;
  }

  next = applyGameplay(next, event);
  if (event.type !== 'game_state' && isObject(message.data) && isObject(message.data['stats'])) {
    next = { ...next, stats: decodeStats(message.data['stats']) };
  }
  const line = formatGameEvent(event);
  if (line.text !== '') log(line.kind, line.text, lineDetails(event));
  return { ...next, log: appendLines(next.log, lines) };
}

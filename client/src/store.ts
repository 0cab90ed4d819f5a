import { formatGameEvent, type LineKind } from './format';
import { decodeEvent, type PlayerRef, type Room, type ServerMessage } from './protocol';

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

/** One line of the game log. */
export interface LogEntry {
  /** unique and stable: used as the React key */
  key: string;
  /** which connection the line belongs to (sequence numbers restart with each one) */
  stream: number;
  /** the server's sequence_number; for a local line, the highest one seen when it was added */
  seq: number;
  /** 0 for a server message; local lines count up so they stay after `seq`, in order */
  sub: number;
  kind: LineKind;
  text: string;
}

/** Everything the screen shows. Replaced (never mutated) on every change. */
export interface GameSnapshot {
  status: ConnectionStatus;
  /** a few words to go with the status, e.g. why the connection closed */
  statusDetail: string;
  player: PlayerRef | null;
  room: Room | null;
  epoch: string | number | null;
  log: readonly LogEntry[];
}

export const DEFAULT_MAX_LOG_LINES = 1000;

function compareEntries(a: LogEntry, b: LogEntry): number {
  return a.stream - b.stream || a.seq - b.seq || a.sub - b.sub;
}

/** Insert keeping the order (stream, seq, sub); lines nearly always go at the end. */
function insertSorted(log: readonly LogEntry[], entry: LogEntry): LogEntry[] {
  let index = log.length;
  while (index > 0) {
    const previous = log[index - 1];
    if (previous === undefined || compareEntries(previous, entry) <= 0) break;
    index -= 1;
  }
  return [...log.slice(0, index), entry, ...log.slice(index)];
}

/**
 * The client's game state: connection status, who and where you are, and the log.
 *
 * Server messages are placed by `sequence_number` (a late one goes where it belongs)
 * and a number already seen on the current connection is dropped as a duplicate.
 * Room state only moves forward: a message older than the one the room came from
 * is logged but does not change the room.
 *
 * Plain TypeScript: React reads it through `subscribe`/`getSnapshot`
 * (`useSyncExternalStore`), tests use it directly.
 */
export class GameStore {
  private state: GameSnapshot = {
    status: 'disconnected',
    statusDetail: '',
    player: null,
    room: null,
    epoch: null,
    log: [],
  };
  private readonly listeners = new Set<() => void>();
  private readonly maxLines: number;
  private stream = 0;
  private seen = new Set<number>();
  private highestSeq = 0;
  private roomSeq = 0;
  private localCounter = 0;

  constructor(options: { maxLogLines?: number } = {}) {
    this.maxLines = Math.max(1, options.maxLogLines ?? DEFAULT_MAX_LOG_LINES);
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  readonly getSnapshot = (): GameSnapshot => this.state;

  /** A new connection: its sequence numbers start again from 1. */
  beginStream(): void {
    this.stream += 1;
    this.seen = new Set();
    this.highestSeq = 0;
    this.roomSeq = 0;
  }

  setStatus(status: ConnectionStatus, detail = ''): void {
    if (status === this.state.status && detail === this.state.statusDetail) return;
    this.update({ status, statusDetail: detail });
  }

  /**
   * Take one server message. Returns false when it was dropped as a duplicate.
   */
  receive(message: ServerMessage): boolean {
    const seq = message.sequence_number;
    if (this.seen.has(seq)) return false;
    this.seen.add(seq);
    this.highestSeq = Math.max(this.highestSeq, seq);

    const event = decodeEvent(message);
    const changes: Partial<GameSnapshot> = {};
    const isNewest = seq > this.roomSeq;
    switch (event.type) {
      case 'game_state':
        changes.player = event.data.player;
        changes.epoch = event.data.epoch;
        if (isNewest) {
          changes.room = event.data.room;
          this.roomSeq = seq;
        }
        break;
      case 'room_update':
        if (isNewest) {
          changes.room = event.data.room;
          this.roomSeq = seq;
        }
        break;
      case 'player_entered':
      case 'player_left': {
        const room = this.state.room;
        if (isNewest && room !== null) {
          const name = event.data.player_name;
          const occupants =
            event.type === 'player_entered'
              ? room.occupants.includes(name)
                ? room.occupants
                : [...room.occupants, name]
              : room.occupants.filter((occupant) => occupant !== name);
          changes.room = { ...room, occupants };
          this.roomSeq = seq;
        }
        break;
      }
      default:
        break;
    }

    const line = formatGameEvent(event);
    changes.log = this.trim(
      insertSorted(this.state.log, {
        key: `s${this.stream}:${seq}`,
        stream: this.stream,
        seq,
        sub: 0,
        kind: line.kind,
        text: line.text,
      }),
    );
    this.update(changes);
    return true;
  }

  /** A line of the client's own: an echo of a typed command, a connection notice. */
  addLocal(kind: LineKind, text: string): void {
    this.localCounter += 1;
    const entry: LogEntry = {
      key: `l${this.localCounter}`,
      stream: this.stream,
      seq: this.highestSeq,
      sub: this.localCounter,
      kind,
      text,
    };
    this.update({ log: this.trim(insertSorted(this.state.log, entry)) });
  }

  private trim(log: LogEntry[]): LogEntry[] {
    return log.length > this.maxLines ? log.slice(log.length - this.maxLines) : log;
  }

  private update(changes: Partial<GameSnapshot>): void {
    this.state = { ...this.state, ...changes };
    for (const listener of [...this.listeners]) listener();
  }
}

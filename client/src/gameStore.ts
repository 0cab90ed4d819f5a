import { createStore, type StoreApi } from 'zustand/vanilla';
import { appendLines, applyEvent, type GameView, type LogLine } from './applyEvent';
import { MAX_RECONNECT_ATTEMPTS } from './backoff';
import { emptyChat, selectChannel } from './chat';
import type { LineKind } from './format';
import type { ServerMessage } from './protocol';
import { acceptMessage, dropHeld, EMPTY_STREAM, type Arrival, type StreamPosition } from './stream';

export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** The connection as the player sees it. */
export interface ConnectionView {
  status: ConnectionStatus;
  /** a few words: why it closed, what happens next */
  detail: string;
  /** the reconnect attempt under way or scheduled (1-based); 0 when none */
  attempt: number;
  maxAttempts: number;
  /** when the next attempt starts (Date.now() ms), or null */
  retryAt: number | null;
  /** offer the Reconnect button */
  canReconnect: boolean;
  /** commands typed while offline, waiting to be sent */
  queued: number;
}

export interface GameActions {
  /**
   * Take one stream message (not a control message): duplicates are dropped, messages
   * ahead of a gap are held, the rest are applied in sequence order.
   */
  ingest(message: ServerMessage): Arrival;
  /** A line of the client's own (an echo of a typed command, a connection notice). */
  addLine(kind: LineKind, text: string): void;
  setConnection(changes: Partial<ConnectionView>): void;
  /** Before a reconnect: the server resends from lastSeq + 1, so held messages can go. */
  forgetHeld(): void;
  selectChannel(channel: string): void;
}

export type GameState = GameView & {
  connection: ConnectionView;
  stream: StreamPosition;
} & GameActions;

export type GameStore = StoreApi<GameState>;

export function createGameStore(): GameStore {
  let counter = 0;
  const nextId = () => {
    counter += 1;
    return counter;
  };

  return createStore<GameState>()((set, get) => ({
    player: null,
    stats: [],
    tick: null,
    room: null,
    character: null,
    inventory: null,
    leftInventory: [],
    log: [],
    chat: emptyChat(),
    answered: [],
    resyncs: 0,
    stream: EMPTY_STREAM,
    connection: {
      status: 'disconnected',
      detail: '',
      attempt: 0,
      maxAttempts: MAX_RECONNECT_ATTEMPTS,
      retryAt: null,
      canReconnect: false,
      queued: 0,
    },

    ingest(message) {
      const state = get();
      const { position, arrival } = acceptMessage(state.stream, message);
      if (arrival.kind !== 'delivered') {
        if (position !== state.stream) set({ stream: position });
        return arrival;
      }
      let view: GameView = state;
      for (const ready of arrival.ready) view = applyEvent(view, ready, nextId);
      set({
        stream: position,
        player: view.player,
        stats: view.stats,
        tick: view.tick,
        room: view.room,
        character: view.character,
        inventory: view.inventory,
        leftInventory: view.leftInventory,
        log: view.log,
        chat: view.chat,
        answered: view.answered,
        resyncs: view.resyncs,
      });
      return arrival;
    },

    addLine(kind, text) {
      const line: LogLine = { id: nextId(), kind, text, seq: null };
      set({ log: appendLines(get().log, [line]) });
    },

    setConnection(changes) {
      const current = get().connection;
      const keys = Object.keys(changes) as (keyof ConnectionView)[];
      if (keys.every((key) => current[key] === changes[key])) return;
      set({ connection: { ...current, ...changes } });
    },

    forgetHeld() {
      set({ stream: dropHeld(get().stream) });
    },

    selectChannel(channel) {
      set({ chat: selectChannel(get().chat, channel) });
    },
  }));
}

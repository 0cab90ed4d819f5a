import { describe, expect, it } from 'vitest';
import { RESYNC_NOTICE } from './applyEvent';
import { createGameStore, type GameStore } from './gameStore';
import { gameState, message, response, ROOM, say } from './testMessages';

function texts(store: GameStore): string[] {
  return store.getState().log.map((line) => line.text);
}

function seqs(store: GameStore): (number | null)[] {
  return store.getState().log.map((line) => line.seq);
}

function started(): GameStore {
  const store = createGameStore();
  store.getState().ingest(gameState(1));
  return store;
}

describe('message store: ordering', () => {
  it('shows messages in sequence_number order however they arrive', () => {
    const store = started();
    for (const seq of [3, 5, 2, 4]) store.getState().ingest(say(seq, 'Bob', String(seq)));
    expect(seqs(store)).toEqual([1, 2, 3, 4, 5]);
    expect(texts(store).slice(1)).toEqual(['Bob says: 2', 'Bob says: 3', 'Bob says: 4', 'Bob says: 5']);
  });

  it('holds messages ahead of a gap out of the view until it fills', () => {
    const store = started();
    expect(store.getState().ingest(say(3, 'Bob', 'three')).kind).toBe('held');
    expect(texts(store)).toHaveLength(1);
    expect(store.getState().stream.held.size).toBe(1);
    store.getState().ingest(say(2, 'Bob', 'two'));
    expect(texts(store).slice(1)).toEqual(['Bob says: two', 'Bob says: three']);
    expect(store.getState().stream.held.size).toBe(0);
  });

  it('keeps local lines where they were added', () => {
    const store = started();
    store.getState().addLine('input', '> look');
    store.getState().ingest(response(2, 'c1', 'A square.'));
    expect(texts(store).slice(1)).toEqual(['> look', 'A square.']);
    expect(seqs(store)).toEqual([1, null, 2]);
  });
});

describe('message store: duplicates', () => {
  it('drops a number it has shown, and does not notify for it', () => {
    const store = started();
    store.getState().ingest(say(2, 'Bob', 'hello'));
    let notified = 0;
    store.subscribe(() => {
      notified += 1;
    });
    expect(store.getState().ingest(say(2, 'Bob', 'hello')).kind).toBe('duplicate');
    expect(store.getState().ingest(gameState(1)).kind).toBe('duplicate');
    expect(notified).toBe(0);
    expect(seqs(store)).toEqual([1, 2]);
  });

  it('shows the answer to a command once, even when a re-send is answered again', () => {
    const store = started();
    store.getState().ingest(response(2, 'cmd-1', 'You say: hi', 'say'));
    store.getState().ingest(response(3, 'cmd-1', 'You say: hi', 'say'));
    expect(texts(store).filter((text) => text === 'You say: hi')).toHaveLength(1);
    expect(store.getState().stream.lastSeq).toBe(3);
    expect(store.getState().chat.lines['say']).toHaveLength(1);
  });
});

describe('message store: resume', () => {
  it('continues the same log after a reconnect: no gap, no duplicate', () => {
    const store = started();
    store.getState().ingest(say(2, 'Bob', 'before'));
    store.getState().ingest(say(4, 'Bob', 'ahead of a gap'));
    // The socket drops. Held messages are forgotten: the resume replays from last_seq + 1.
    store.getState().forgetHeld();
    expect(store.getState().stream).toMatchObject({ epoch: 'e1', sessionId: 's1', lastSeq: 2 });
    for (const seq of [3, 4, 5]) store.getState().ingest(say(seq, 'Bob', `replayed ${seq}`));
    store.getState().ingest(message(6, 'room_update', { room: ROOM }));
    expect(seqs(store)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(texts(store).filter((text) => text.startsWith('Bob says'))).toEqual([
      'Bob says: before',
      'Bob says: replayed 3',
      'Bob says: replayed 4',
      'Bob says: replayed 5',
    ]);
    expect(store.getState().resyncs).toBe(0);
  });
});

describe('message store: resync', () => {
  it('rebuilds the view from a fresh game_state and says so in the log', () => {
    const store = started();
    store.getState().ingest(message(2, 'player_entered', { player_id: 'p-carl', player_name: 'Carl' }));
    expect(store.getState().room?.occupants).toContain('Carl');
    const street = { ...ROOM, id: 'river-street', name: 'River Street', occupants: ['Alice'] };
    store.getState().ingest(gameState(1, street, { epoch: 'e2', session_id: 's2', resync: true }));
    const state = store.getState();
    expect(state.room).toEqual(street);
    expect(state.stream).toMatchObject({ epoch: 'e2', sessionId: 's2', lastSeq: 1 });
    expect(state.resyncs).toBe(1);
    expect(texts(store)).toContain(RESYNC_NOTICE);
    expect(texts(store).at(-1)).toMatch(/^You are back in Arkham, Alice\./);
    // The new epoch's numbers are not mistaken for duplicates of the old ones.
    expect(store.getState().ingest(say(2, 'Bob', 'new epoch')).kind).toBe('delivered');
  });
});

describe('message store: the view', () => {
  it('takes the player, room and stats from game_state', () => {
    const store = createGameStore();
    store.getState().ingest(gameState(1, ROOM, { stats: { health: 10, sanity: 80, name: 'x', bad: {} } }));
    const state = store.getState();
    expect(state.player).toEqual({ id: 'p-alice', name: 'Alice' });
    expect(state.room).toEqual(ROOM);
    expect(state.stats).toEqual([
      { name: 'health', value: 10 },
      { name: 'sanity', value: 80 },
      { name: 'name', value: 'x' },
    ]);
  });

  it('keeps the occupants current and replaces the room on room_update', () => {
    const store = started();
    store.getState().ingest(message(2, 'player_entered', { player_id: 'p-carl', player_name: 'Carl' }));
    store.getState().ingest(message(3, 'player_left', { player_id: 'p-bob', player_name: 'Bob' }));
    expect(store.getState().room?.occupants).toEqual(['Alice', 'Carl']);
    const street = { ...ROOM, id: 'river-street', name: 'River Street', occupants: ['Alice'] };
    store.getState().ingest(message(4, 'room_update', { room: street }));
    expect(store.getState().room).toEqual(street);
  });

  it('files chat by channel, counting unread lines on the other tabs', () => {
    const store = started();
    store.getState().ingest(say(2, 'Bob', 'hello'));
    store.getState().ingest(
      message(3, 'chat_message', { channel: 'global', player_id: 'p-eve', player_name: 'Eve', message: 'hi all', text: 'Eve: hi all' }),
    );
    store.getState().ingest(
      message(4, 'chat_message', { channel: 'ooc', player_id: 'p-eve', player_name: 'Eve', message: 'x', text: 'Eve (ooc): x' }),
    );
    let chat = store.getState().chat;
    expect(chat.active).toBe('say');
    expect(chat.channels).toEqual(['say', 'local', 'global', 'whisper', 'ooc']);
    expect(chat.unread).toEqual({ global: 1, ooc: 1 });
    expect(chat.lines['say']?.map((line) => line.text)).toEqual(['Bob says: hello']);
    store.getState().selectChannel('global');
    chat = store.getState().chat;
    expect(chat.active).toBe('global');
    expect(chat.unread['global']).toBe(0);
    expect(store.getState().log.filter((line) => line.kind === 'chat').map((line) => line.channel)).toEqual([
      'say',
      'global',
      'ooc',
    ]);
  });

  it('puts what you said in the say tab', () => {
    const store = started();
    store.getState().ingest(response(2, 'c1', 'You say: evening', 'say'));
    expect(store.getState().chat.lines['say']).toMatchObject([{ text: 'You say: evening', own: true }]);
    expect(store.getState().chat.unread['say']).toBeUndefined();
  });

  it('shows the world clock in the status, not in the log', () => {
    const store = started();
    store.getState().ingest(message(2, 'game_tick', { tick_number: 120, timestamp: 'now' }));
    expect(store.getState().tick).toBe(120);
    expect(store.getState().log).toHaveLength(1);
    expect(store.getState().stream.lastSeq).toBe(2);
  });

  it('renders unknown events as text rather than failing', () => {
    const store = started();
    store.getState().ingest(message(2, 'mystery', { a: 1 }));
    expect(store.getState().log.at(-1)).toMatchObject({ kind: 'unknown', text: '[mystery] {"a":1}' });
  });

  it('keeps the connection view and skips no-op updates', () => {
    const store = createGameStore();
    const before = store.getState();
    store.getState().setConnection({ status: 'disconnected' });
    expect(store.getState()).toBe(before);
    store.getState().setConnection({ status: 'reconnecting', attempt: 2 });
    expect(store.getState().connection).toMatchObject({ status: 'reconnecting', attempt: 2 });
  });
});

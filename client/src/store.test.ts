import { describe, expect, it, vi } from 'vitest';
import { GameStore } from './store';
import { gameState, message, ROOM, say } from './testMessages';

function texts(store: GameStore): string[] {
  return store.getSnapshot().log.map((entry) => entry.text);
}

function seqs(store: GameStore): number[] {
  return store.getSnapshot().log.map((entry) => entry.seq);
}

function connected(): GameStore {
  const store = new GameStore();
  store.beginStream();
  return store;
}

describe('GameStore log', () => {
  it('keeps messages in sequence_number order even when they arrive out of order', () => {
    const store = connected();
    store.receive(gameState(1));
    store.receive(say(3, 'Bob', 'three'));
    store.receive(say(2, 'Bob', 'two'));
    store.receive(say(5, 'Bob', 'five'));
    store.receive(say(4, 'Bob', 'four'));
    expect(seqs(store)).toEqual([1, 2, 3, 4, 5]);
    expect(texts(store).slice(1)).toEqual([
      'Bob says: two',
      'Bob says: three',
      'Bob says: four',
      'Bob says: five',
    ]);
  });

  it('drops a sequence number it has already seen', () => {
    const store = connected();
    expect(store.receive(gameState(1))).toBe(true);
    expect(store.receive(say(2, 'Bob', 'hello'))).toBe(true);
    expect(store.receive(say(2, 'Bob', 'hello'))).toBe(false);
    expect(store.receive(say(2, 'Bob', 'a different message, same number'))).toBe(false);
    expect(store.receive(gameState(1))).toBe(false);
    expect(seqs(store)).toEqual([1, 2]);
  });

  it('drops a late duplicate after newer messages', () => {
    const store = connected();
    store.receive(gameState(1));
    store.receive(say(2, 'Bob', 'a'));
    store.receive(say(3, 'Bob', 'b'));
    expect(store.receive(say(2, 'Bob', 'a'))).toBe(false);
    expect(seqs(store)).toEqual([1, 2, 3]);
  });

  it('does not notify listeners for a dropped duplicate', () => {
    const store = connected();
    store.receive(gameState(1));
    const listener = vi.fn();
    store.subscribe(listener);
    store.receive(gameState(1));
    expect(listener).not.toHaveBeenCalled();
    store.receive(say(2, 'Bob', 'hi'));
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('starts numbering again on a new connection, after the old lines', () => {
    const store = connected();
    store.receive(gameState(1));
    store.receive(say(2, 'Bob', 'before'));
    store.beginStream();
    expect(store.receive(gameState(1))).toBe(true);
    expect(store.receive(say(2, 'Bob', 'after'))).toBe(true);
    expect(texts(store).filter((text) => text.startsWith('Bob'))).toEqual([
      'Bob says: before',
      'Bob says: after',
    ]);
    expect(new Set(store.getSnapshot().log.map((entry) => entry.key)).size).toBe(4);
  });

  it('places local lines after the messages seen so far, in the order added', () => {
    const store = connected();
    store.receive(gameState(1));
    store.addLocal('input', '> look');
    store.addLocal('system', 'note');
    store.receive(message(2, 'command_response', { command: 'look', success: true, result: 'A square.' }));
    expect(texts(store).slice(1)).toEqual(['> look', 'note', 'A square.']);
  });

  it('keeps only the newest lines', () => {
    const store = new GameStore({ maxLogLines: 3 });
    store.beginStream();
    for (let seq = 1; seq <= 5; seq += 1) store.receive(say(seq, 'Bob', String(seq)));
    expect(seqs(store)).toEqual([3, 4, 5]);
    expect(store.receive(say(2, 'Bob', '2'))).toBe(false);
  });

  it('logs unknown events instead of failing', () => {
    const store = connected();
    expect(store.receive(message(1, 'mystery', { a: 1 }))).toBe(true);
    expect(store.getSnapshot().log[0]).toMatchObject({ kind: 'unknown', text: '[mystery] {"a":1}' });
  });
});

describe('GameStore state', () => {
  it('takes the player, room and epoch from game_state', () => {
    const store = connected();
    store.receive(gameState(1));
    const snapshot = store.getSnapshot();
    expect(snapshot.player).toEqual({ id: 'p-alice', name: 'Alice' });
    expect(snapshot.room).toEqual(ROOM);
    expect(snapshot.epoch).toBe('e1');
  });

  it('replaces the room on room_update', () => {
    const store = connected();
    store.receive(gameState(1));
    const street = { ...ROOM, id: 'river-street', name: 'River Street', occupants: ['Alice'] };
    store.receive(message(2, 'room_update', { room: street }));
    expect(store.getSnapshot().room).toEqual(street);
  });

  it('keeps the occupants current as players enter and leave', () => {
    const store = connected();
    store.receive(gameState(1));
    store.receive(message(2, 'player_entered', { player_id: 'p-carl', player_name: 'Carl' }));
    expect(store.getSnapshot().room?.occupants).toEqual(['Alice', 'Bob', 'Carl']);
    store.receive(message(3, 'player_left', { player_id: 'p-bob', player_name: 'Bob' }));
    expect(store.getSnapshot().room?.occupants).toEqual(['Alice', 'Carl']);
  });

  it('does not let an older message overwrite a newer room', () => {
    const store = connected();
    store.receive(gameState(1));
    const street = { ...ROOM, id: 'river-street', name: 'River Street' };
    store.receive(message(3, 'room_update', { room: street }));
    store.receive(message(2, 'room_update', { room: ROOM }));
    expect(store.getSnapshot().room?.id).toBe('river-street');
    expect(seqs(store)).toEqual([1, 2, 3]);
  });

  it('reports the connection status', () => {
    const store = new GameStore();
    expect(store.getSnapshot().status).toBe('disconnected');
    store.setStatus('connecting');
    expect(store.getSnapshot().status).toBe('connecting');
    store.setStatus('disconnected', 'retrying in 2 s');
    expect(store.getSnapshot()).toMatchObject({ status: 'disconnected', statusDetail: 'retrying in 2 s' });
  });

  it('returns the same snapshot object until something changes', () => {
    const store = connected();
    const before = store.getSnapshot();
    expect(store.getSnapshot()).toBe(before);
    store.setStatus('disconnected');
    expect(store.getSnapshot()).toBe(before);
    store.setStatus('connected');
    expect(store.getSnapshot()).not.toBe(before);
  });
});

import { describe, expect, it } from 'vitest';
import { createGameStore, type GameStore } from './gameStore';
import {
  character,
  CHARACTERISTICS,
  GHOUL,
  gameState,
  inventory,
  LANTERN,
  message,
  ROOM,
  STATUS,
  STICK,
} from './testMessages';

const ROOM_WITH_THINGS = { ...ROOM, items: [{ id: 'it-9', prototype: 'arkham-advertiser', name: 'a newspaper' }], npcs: [GHOUL] };

function started(extra: Parameters<typeof gameState>[2] = {}): GameStore {
  const store = createGameStore();
  store.getState().ingest(gameState(1, ROOM_WITH_THINGS, { character: character(), ...extra }));
  return store;
}

function lines(store: GameStore) {
  return store.getState().log.slice(1).map((line) => ({ kind: line.kind, text: line.text, variant: line.variant }));
}

const ids = (list: readonly { id: string }[] | undefined) => (list ?? []).map((thing) => thing.id);

describe('game_state: the character', () => {
  it('keeps the profession, characteristics, status and inventory', () => {
    const store = started({ character: character({ dp: 17 }, inventory([LANTERN], { main_hand: STICK }, 5)) });
    const state = store.getState();
    expect(state.character).toEqual({
      profession: 'drifter',
      characteristics: CHARACTERISTICS,
      status: { ...STATUS, dp: 17 },
    });
    expect(state.inventory?.carried).toEqual([LANTERN]);
    expect(state.inventory?.worn).toEqual({ main_hand: STICK });
    expect(state.inventory?.weight).toBe(5);
    expect(ids(state.room?.npcs)).toEqual(['npc-1']);
    expect(ids(state.room?.items)).toEqual(['it-9']);
  });

  it('without a character (an older server) the panels have nothing', () => {
    const store = createGameStore();
    store.getState().ingest(gameState(1));
    expect(store.getState().character).toBeNull();
    expect(store.getState().inventory).toBeNull();
  });

  it('a play switch (a new epoch) replaces the character, inventory and room', () => {
    const store = started({ character: character({}, inventory([LANTERN])) });
    const other = { ...ROOM, id: 'miskatonic-quad', name: 'Quad', items: [], npcs: [] };
    store.getState().ingest(
      gameState(1, other, {
        epoch: 'e2',
        player: { id: 'c-bob', name: 'Bob' },
        character: { ...(character({ xp: 40 }) as object), profession: 'professor' },
      }),
    );
    const state = store.getState();
    expect(state.player?.name).toBe('Bob');
    expect(state.character?.profession).toBe('professor');
    expect(state.character?.status.xp).toBe(40);
    expect(state.inventory?.carried).toEqual([]);
    expect(state.room?.npcs).toEqual([]);
    expect(state.stream.epoch).toBe('e2');
  });

  it("a play switch starts the chat tabs again (the new character's history follows); a resync does not", () => {
    const store = started();
    const line = (seq: number) =>
      message(seq, 'chat_message', { channel: 'global', player_id: 'c-x', player_name: 'X', message: 'hi', text: 'X: hi', history: true });
    store.getState().ingest(line(2));
    store.getState().ingest(gameState(1, ROOM, { epoch: 'e2', resync: true, character: character() }));
    expect(store.getState().chat.lines['global']).toHaveLength(1);
    store.getState().ingest(gameState(1, ROOM, { epoch: 'e3', player: { id: 'c-bob', name: 'Bob' }, character: character() }));
    store.getState().ingest(line(2));
    expect(store.getState().chat.lines['global']).toHaveLength(1);
    expect(store.getState().log.some((l) => l.text.startsWith('Welcome to Arkham, Bob.'))).toBe(true);
  });
});

describe('status_update', () => {
  it('replaces the status and logs its text as a status line', () => {
    const store = started();
    store.getState().ingest(
      message(2, 'status_update', {
        status: { ...STATUS, lucidity: 60, tier: 'uneasy', in_combat: true },
        changes: { lucidity: -40 },
        tier_changed: { from: 'lucid', to: 'uneasy' },
        reason: 'encounter',
        text: 'The sight of a ghoul claws at your reason.',
      }),
    );
    expect(store.getState().character?.status).toMatchObject({ lucidity: 60, tier: 'uneasy', in_combat: true });
    expect(lines(store)).toEqual([{ kind: 'status', text: 'The sight of a ghoul claws at your reason.', variant: undefined }]);
  });

  it('with no text changes the panel only', () => {
    const store = started();
    store.getState().ingest(message(2, 'status_update', { status: { ...STATUS, dp: 19 }, changes: { dp: -1 }, reason: 'combat', text: null }));
    expect(store.getState().character?.status.dp).toBe(19);
    expect(lines(store)).toEqual([]);
  });

  it('a malformed status is shown as unknown and changes nothing', () => {
    const store = started();
    store.getState().ingest(message(2, 'status_update', { status: { dp: 'lots' } }));
    expect(store.getState().character?.status.dp).toBe(20);
    expect(lines(store)[0]?.kind).toBe('unknown');
  });
});

describe('inventory_update and the floor', () => {
  it('replaces the inventory; what you picked up leaves the floor', () => {
    const store = started();
    const paper = { ...ROOM_WITH_THINGS.items[0], weight: 0.5 };
    store.getState().ingest(message(2, 'inventory_update', { inventory: inventory([paper], {}, 0.5) }));
    expect(store.getState().inventory?.carried.map((i) => i.id)).toEqual(['it-9']);
    expect(store.getState().room?.items).toEqual([]);
    expect(lines(store)).toEqual([]);
  });

  it('your own drop lands on the floor when its response arrives', () => {
    const store = started({ character: character({}, inventory([LANTERN, STICK], {}, 5)) });
    store.getState().ingest(message(2, 'inventory_update', { inventory: inventory([STICK], {}, 2) }));
    expect(ids(store.getState().room?.items)).toEqual(['it-9']);
    store.getState().ingest(
      message(3, 'command_response', { command: 'drop', command_id: 'c1', success: true, result: 'You drop a brass lantern.' }),
    );
    expect(ids(store.getState().room?.items)).toEqual(['it-9', 'it-1']);
  });

  it('an item that left by another way (give, use) does not land on the floor', () => {
    const store = started({ character: character({}, inventory([LANTERN], {}, 3)) });
    store.getState().ingest(message(2, 'inventory_update', { inventory: inventory([], {}, 0) }));
    store.getState().ingest(
      message(3, 'command_response', { command: 'give', command_id: 'c1', success: true, result: 'You give a brass lantern to Bob.' }),
    );
    expect(ids(store.getState().room?.items)).toEqual(['it-9']);
  });

  it('equipping moves an item from carried to worn without touching the floor', () => {
    const store = started({ character: character({}, inventory([STICK], {}, 2)) });
    store.getState().ingest(message(2, 'inventory_update', { inventory: inventory([], { main_hand: STICK }, 2) }));
    expect(store.getState().inventory?.worn['main_hand']?.id).toBe('it-2');
    expect(ids(store.getState().room?.items)).toEqual(['it-9']);
  });
});

describe('item_event', () => {
  const event = (seq: number, action: string, item: unknown, text: string) =>
    message(seq, 'item_event', { action, actor: { id: 'c-bob', name: 'Bob', kind: 'player' }, item, target: null, slot: null, text });

  it('drop, spawn and loot add to the floor in order of arrival; get, purge and decay remove', () => {
    const store = started();
    store.getState().ingest(event(2, 'drop', LANTERN, 'Bob drops a brass lantern.'));
    store.getState().ingest(event(3, 'loot', STICK, 'A blackthorn walking stick falls to the ground.'));
    expect(ids(store.getState().room?.items)).toEqual(['it-9', 'it-1', 'it-2']);
    store.getState().ingest(event(4, 'get', LANTERN, 'Bob picks up a brass lantern.'));
    store.getState().ingest(event(5, 'purge', STICK, 'A blackthorn walking stick is gone.'));
    expect(ids(store.getState().room?.items)).toEqual(['it-9']);
    expect(lines(store).map((l) => l.kind)).toEqual(['item', 'item', 'item', 'item']);
    expect(lines(store)[0]?.text).toBe('Bob drops a brass lantern.');
  });

  it('equip and give leave the floor alone', () => {
    const store = started();
    store.getState().ingest(event(2, 'equip', LANTERN, 'Bob holds a brass lantern.'));
    expect(ids(store.getState().room?.items)).toEqual(['it-9']);
  });
});

describe('npc_entered and npc_left', () => {
  const npc = (seq: number, type: string, id: string, name: string, reason: string, text: string | null) =>
    message(seq, type, { npc_id: id, npc_name: name, prototype: 'x', reason, direction: null, text });

  it('keep the creatures in order of arrival, with a line when the game gives one', () => {
    const store = started();
    store.getState().ingest(npc(2, 'npc_entered', 'npc-2', 'a stray cat', 'walked', 'A stray cat pads in.'));
    store.getState().ingest(npc(3, 'npc_entered', 'npc-3', 'a cultist', 'spawned', 'A hooded cultist steps out of the shadows.'));
    expect(store.getState().room?.npcs.map((n) => n.name)).toEqual(['a ghoul', 'a stray cat', 'a cultist']);
    store.getState().ingest(npc(4, 'npc_left', 'npc-1', 'a ghoul', 'died', null));
    expect(ids(store.getState().room?.npcs)).toEqual(['npc-2', 'npc-3']);
    expect(lines(store).map((l) => l.text)).toEqual(['A stray cat pads in.', 'A hooded cultist steps out of the shadows.']);
  });

  it('an npc_entered for one already listed does not list it twice', () => {
    const store = started();
    store.getState().ingest(npc(2, 'npc_entered', 'npc-1', 'a ghoul', 'spawned', null));
    expect(ids(store.getState().room?.npcs)).toEqual(['npc-1']);
  });
});

describe('combat, narration and hallucinations', () => {
  it('combat_event is a combat line with its kind', () => {
    const store = started();
    store.getState().ingest(
      message(2, 'combat_event', {
        kind: 'hit',
        combat_id: 'cb-1',
        round: 1,
        actor: { id: 'npc-1', name: 'a ghoul', kind: 'npc' },
        target: { id: 'p-alice', name: 'Alice', kind: 'player' },
        damage: 3,
        verb: 'claw',
        target_dp: 17,
        target_max_dp: 20,
        text: 'A ghoul claws you for 3 damage. (17/20 DP)',
      }),
    );
    expect(lines(store)).toEqual([{ kind: 'combat', text: 'A ghoul claws you for 3 damage. (17/20 DP)', variant: 'hit' }]);
  });

  it('room_message is narration, hallucination its own kind', () => {
    const store = started();
    store.getState().ingest(message(2, 'room_message', { kind: 'aid', actor: null, target: null, text: 'Bob binds Ada.' }));
    store.getState().ingest(message(3, 'hallucination', { kind: 'shadow', text: 'The shadow is the wrong shape.' }));
    expect(lines(store)).toEqual([
      { kind: 'narration', text: 'Bob binds Ada.', variant: 'aid' },
      { kind: 'hallucination', text: 'The shadow is the wrong shape.', variant: 'shadow' },
    ]);
  });

  it('chat distortion is kept on the chat line and the log line', () => {
    const store = started();
    store.getState().ingest(
      message(2, 'chat_message', {
        channel: 'say',
        player_id: 'c-bob',
        player_name: 'Bob',
        message: 'run now',
        text: 'Bob says: now run',
        distortion: ['scrambled', 'bogus'],
      }),
    );
    expect(store.getState().chat.lines['say']?.[0]?.distortion).toEqual(['scrambled']);
    expect(store.getState().log.at(-1)?.distortion).toEqual(['scrambled']);
  });

  it('character_list and character_roll add no line of their own (the response tells them)', () => {
    const store = started();
    store.getState().ingest(message(2, 'character_list', { characters: [{ id: 'c', name: 'Ada', playing: true }], max: 3 }));
    store.getState().ingest(
      message(3, 'character_roll', {
        method: '3d6',
        characteristics: CHARACTERISTICS,
        derived: { max_dp: 10, max_mp: 10, max_lucidity: 100, max_weight: 35 },
        professions: ['drifter'],
      }),
    );
    expect(lines(store)).toEqual([]);
  });
});

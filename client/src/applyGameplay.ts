/**
 * What the gameplay events do to the view: the character sheet, the inventory, and the
 * room's creatures and things, kept in order of arrival. The log lines are added by
 * applyEvent; this is only the state.
 */
import type { GameEvent, Room, RoomThing } from './protocol';
import type { Characteristics, Inventory, Item, Status } from './protocolGameplay';

/** The character you play, as the panels show it. */
export interface CharacterSheet {
  profession: string;
  characteristics: Characteristics;
  status: Status;
}

export interface GameplayView {
  room: Room | null;
  character: CharacterSheet | null;
  inventory: Inventory | null;
  /**
   * Items that left your inventory in the last `inventory_update`. Your own drop is not
   * told to you as an `item_event` (only to the others), so these go onto the floor when
   * the response to a `drop` arrives.
   */
  leftInventory: readonly Item[];
}

export function inventoryItems(inventory: Inventory | null): Item[] {
  if (inventory === null) return [];
  const seen = new Set<string>();
  const all: Item[] = [];
  // A two-handed item is worn in two slots: count it once.
  for (const item of [...inventory.carried, ...Object.values(inventory.worn)]) {
    if (!seen.has(item.id)) {
      seen.add(item.id);
      all.push(item);
    }
  }
  return all;
}

function thing(item: { id: string; prototype: string; name: string }): RoomThing {
  return { id: item.id, prototype: item.prototype, name: item.name };
}

/** Add at the end (order of arrival); a thing already listed stays where it is. */
function withThing(list: readonly RoomThing[], added: RoomThing): RoomThing[] {
  return list.some((t) => t.id === added.id) ? [...list] : [...list, added];
}

function withoutThings(list: readonly RoomThing[], ids: ReadonlySet<string>): RoomThing[] {
  return list.filter((t) => !ids.has(t.id));
}

/** Floor changes by item_event action: added, removed, or none (carried from hand to hand). */
const FLOOR_EFFECT: Record<string, 'add' | 'remove' | 'none'> = {
  drop: 'add',
  spawn: 'add',
  loot: 'add',
  get: 'remove',
  purge: 'remove',
  decay: 'remove',
  give: 'none',
  equip: 'none',
  unequip: 'none',
  use: 'none',
};

function onRoom<V extends GameplayView>(view: V, change: (room: Room) => Room): V {
  return view.room === null ? view : { ...view, room: change(view.room) };
}

/** Apply the state part of a gameplay event (or of game_state / a drop's response). */
export function applyGameplay<V extends GameplayView>(view: V, event: GameEvent): V {
  switch (event.type) {
    case 'game_state': {
      // A new stream (a login, a resync, or `play` of another character) replaces it all.
      const character = event.data.character;
      return {
        ...view,
        character:
          character === null
            ? null
            : { profession: character.profession, characteristics: character.characteristics, status: character.status },
        inventory: character?.inventory ?? null,
        leftInventory: [],
      };
    }
    case 'status_update':
      return view.character === null ? view : { ...view, character: { ...view.character, status: event.data.status } };
    case 'inventory_update': {
      const before = inventoryItems(view.inventory);
      const after = inventoryItems(event.data.inventory);
      const now = new Set(after.map((item) => item.id));
      const had = new Set(before.map((item) => item.id));
      const gained = new Set(after.filter((item) => !had.has(item.id)).map((item) => item.id));
      const next = { ...view, inventory: event.data.inventory, leftInventory: before.filter((item) => !now.has(item.id)) };
      // What you picked up is no longer on the floor.
      return gained.size === 0 ? next : onRoom(next, (room) => ({ ...room, items: withoutThings(room.items, gained) }));
    }
    case 'command_response': {
      const word = event.data.command.trim().split(/\s+/)[0]?.replace(/^\//, '').toLowerCase();
      if (!event.data.success || word !== 'drop' || view.leftInventory.length === 0) return view;
      const dropped = view.leftInventory;
      return onRoom({ ...view, leftInventory: [] }, (room) => ({
        ...room,
        items: dropped.reduce((items, item) => withThing(items, thing(item)), room.items),
      }));
    }
    case 'item_event': {
      const { action, item } = event.data;
      const effect = FLOOR_EFFECT[action] ?? 'none';
      if (effect === 'none') return view;
      return onRoom(view, (room) => ({
        ...room,
        items: effect === 'add' ? withThing(room.items, thing(item)) : withoutThings(room.items, new Set([item.id])),
      }));
    }
    case 'npc_entered': {
      const { npc_id: id, npc_name: name, prototype } = event.data;
      return onRoom(view, (room) => ({ ...room, npcs: withThing(room.npcs, { id, prototype, name }) }));
    }
    case 'npc_left':
      return onRoom(view, (room) => ({ ...room, npcs: withoutThings(room.npcs, new Set([event.data.npc_id])) }));
    default:
      return view;
  }
}

/**
 * The commands a click on an item or a creature offers, written as the player would type
 * them. The game names things by a word of their name, and `2.word` is the second match
 * in the place the command searches (docs/commands.md), so the reference is computed
 * against that place's list as the client knows it.
 */
import type { Room, RoomThing } from './protocol';
import type { Inventory } from './protocolGameplay';

/** Where a thing is, which decides what may be done with it. */
export type Place = 'npc' | 'floor' | 'carried' | 'worn';

export interface ThingAction {
  /** the button's label: the command word */
  label: string;
  /** the full command line to send */
  command: string;
}

interface Named {
  id: string;
  name: string;
}

// The same words the game splits a name into.
const WORD = /[a-z0-9']+/g;

function wordsOf(name: string): string[] {
  return name.toLowerCase().match(WORD) ?? [];
}

/** `lantern` for "a brass lantern": the last word of the name, the noun in English. */
export function nameWord(name: string): string {
  return wordsOf(name).at(-1) ?? name.toLowerCase();
}

/** How to name `target` among `candidates` (in the order the game searches them). */
export function reference(target: Named, candidates: readonly Named[]): string {
  const word = nameWord(target.name);
  const matching = candidates.filter((c) => wordsOf(c.name).some((w) => w.startsWith(word)));
  const nth = matching.findIndex((c) => c.id === target.id) + 1;
  return nth > 1 ? `${nth}.${word}` : word;
}

const SLOT_ORDER = ['head', 'body', 'hands', 'feet', 'neck', 'main_hand', 'off_hand'];

/** What you wear, once each (a two-handed item fills two slots), in the game's slot order. */
export function wornItems(inventory: Inventory | null): Named[] {
  if (inventory === null) return [];
  const slots = Object.keys(inventory.worn).sort((a, b) => SLOT_ORDER.indexOf(a) - SLOT_ORDER.indexOf(b));
  const seen = new Set<string>();
  const out: Named[] = [];
  for (const slot of slots) {
    const item = inventory.worn[slot];
    if (item !== undefined && !seen.has(item.id)) {
      seen.add(item.id);
      out.push(item);
    }
  }
  return out;
}

/** The commands offered for a thing, in the order shown. */
export function thingActions(
  place: Place,
  thing: RoomThing | Named,
  room: Room | null,
  inventory: Inventory | null,
): ThingAction[] {
  const action = (label: string, among: readonly Named[]): ThingAction => ({
    label,
    command: `${label} ${reference(thing, among)}`,
  });
  const carried = inventory?.carried ?? [];
  switch (place) {
    case 'npc':
      return [action('look', room?.npcs ?? []), action('attack', room?.npcs ?? [])];
    case 'floor':
      return [action('look', room?.items ?? []), action('get', room?.items ?? [])];
    case 'carried':
      return [action('look', carried), action('equip', carried), action('use', carried), action('drop', carried)];
    case 'worn':
      return [action('look', wornItems(inventory)), action('unequip', wornItems(inventory))];
  }
}

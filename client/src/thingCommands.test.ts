import { describe, expect, it } from 'vitest';
import type { Room } from './protocol';
import type { Inventory } from './protocolGameplay';
import { nameWord, reference, thingActions, wornItems } from './thingCommands';
import { ROOM } from './testMessages';

const lantern = { id: 'it-1', prototype: 'brass-lantern', name: 'a brass lantern', weight: 3 };
const lantern2 = { id: 'it-2', prototype: 'brass-lantern', name: 'a brass lantern', weight: 3 };
const axe = { id: 'it-3', prototype: 'fire-axe', name: 'a fire axe', weight: 6 };
const coat = { id: 'it-4', prototype: 'oilskin-coat', name: 'an oilskin coat', weight: 5 };

describe('naming things for commands', () => {
  it('uses the last word of the name', () => {
    expect(nameWord('a copy of the Arkham Advertiser')).toBe('advertiser');
    expect(nameWord("the night librarian's lamp")).toBe("lamp");
  });

  it('numbers a thing among those the same word matches (2.word)', () => {
    const candidates = [{ id: 'x', name: 'a yellowed ghoul tooth' }, lantern, lantern2];
    expect(reference(lantern, candidates)).toBe('lantern');
    expect(reference(lantern2, candidates)).toBe('2.lantern');
    // "ghoul" matches the tooth too (a word starting with it), so the ghoul is the second.
    expect(reference({ id: 'n', name: 'a ghoul' }, [{ id: 't', name: 'a ghoulish tooth' }, { id: 'n', name: 'a ghoul' }])).toBe('2.ghoul');
  });
});

describe('thingActions', () => {
  const room: Room = {
    ...ROOM,
    npcs: [
      { id: 'npc-1', prototype: 'ghoul', name: 'a ghoul' },
      { id: 'npc-2', prototype: 'ghoul', name: 'a ghoul' },
    ],
    items: [{ id: 'it-1', prototype: 'brass-lantern', name: 'a brass lantern' }],
  };
  const inventory: Inventory = {
    carried: [lantern2],
    worn: { main_hand: axe, off_hand: axe, body: coat },
    weight: 14,
    max_weight: 35,
    things: 1,
    max_things: 20,
  };

  it('a creature: look and attack', () => {
    expect(thingActions('npc', room.npcs[1] ?? room.npcs[0]!, room, inventory)).toEqual([
      { label: 'look', command: 'look 2.ghoul' },
      { label: 'attack', command: 'attack 2.ghoul' },
    ]);
  });

  it('on the ground: look and get', () => {
    expect(thingActions('floor', room.items[0]!, room, inventory).map((a) => a.command)).toEqual([
      'look lantern',
      'get lantern',
    ]);
  });

  it('carried: look, equip, use and drop', () => {
    expect(thingActions('carried', lantern2, room, inventory).map((a) => a.command)).toEqual([
      'look lantern',
      'equip lantern',
      'use lantern',
      'drop lantern',
    ]);
  });

  it('worn: look and unequip; a two-handed item is listed once, in slot order', () => {
    expect(wornItems(inventory).map((item) => item.id)).toEqual(['it-4', 'it-3']);
    expect(thingActions('worn', axe, room, inventory).map((a) => a.command)).toEqual(['look axe', 'unequip axe']);
  });
});

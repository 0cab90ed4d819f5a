/**
 * Decoders for the gameplay events (characters, items, NPCs, combat, lucidity; see
 * docs/protocol.md). Like the rest of protocol.ts they never throw: a payload that does
 * not check out decodes to null, and the event is then shown as unknown.
 */

import type * as wire from './protocol.generated';

type Obj = Record<string, unknown>;

export type Status = wire.Status;
export type Characteristics = wire.Characteristics;
export type Inventory = wire.InventoryView;
export type Item = wire.ItemView;
export type Combatant = wire.Combatant;
export type CharacterView = wire.CharacterView;

export type StatusUpdateData = wire.StatusUpdateData;
export type InventoryUpdateData = wire.InventoryUpdateData;
export type ItemEventData = wire.ItemEventData;
export type NpcPresenceData = wire.NpcPresenceData;
export type CombatEventData = wire.CombatEventData;
export type RoomMessageData = wire.RoomMessageData;
export type HallucinationData = wire.HallucinationData;
export type CharacterListData = wire.CharacterListData;
export type CharacterRollData = wire.CharacterRollData;

export type GameplayEvent =
  | { type: 'status_update'; data: StatusUpdateData }
  | { type: 'inventory_update'; data: InventoryUpdateData }
  | { type: 'item_event'; data: ItemEventData }
  | { type: 'npc_entered'; data: NpcPresenceData }
  | { type: 'npc_left'; data: NpcPresenceData }
  | { type: 'combat_event'; data: CombatEventData }
  | { type: 'room_message'; data: RoomMessageData }
  | { type: 'hallucination'; data: HallucinationData }
  | { type: 'character_list'; data: CharacterListData }
  | { type: 'character_roll'; data: CharacterRollData };

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(obj: Obj, key: string): string | null {
  const v = obj[key];
  return typeof v === 'string' ? v : null;
}

function num(obj: Obj, key: string): number | null {
  const v = obj[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** `value` if it is one of `allowed`, else null. */
function oneOf<T extends string>(value: unknown, allowed: readonly T[]): T | null {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

const TIERS = ['lucid', 'uneasy', 'fractured', 'deranged', 'catatonic'] as const;
const CONDITIONS = ['healthy', 'bleeding', 'dead'] as const;
const SLOTS = ['head', 'body', 'hands', 'feet', 'neck', 'main_hand', 'off_hand'] as const;
const ITEM_ACTIONS = ['get', 'drop', 'give', 'equip', 'unequip', 'use', 'spawn', 'loot', 'purge', 'decay'] as const;
const NPC_REASONS = ['spawned', 'walked', 'fled', 'died', 'purged'] as const;
const COMBAT_KINDS = ['engage', 'hit', 'target', 'flee', 'flee_failed', 'fall', 'death', 'end'] as const;
const HALLUCINATIONS = ['whisper', 'shadow', 'overlay'] as const;
const STATUS_REASONS = [
  'combat', 'encounter', 'ambience', 'witnessed_death', 'catatonia', 'bleeding', 'aid', 'regen', 'respawn',
  'item', 'meditate', 'pray', 'ground', 'asylum', 'xp', 'admin', 'requested', 'restart',
] as const;
const CHARACTERISTICS = ['str', 'con', 'siz', 'dex', 'cha', 'int', 'pow', 'edu', 'luck'] as const;
const STATUS_NUMBERS = ['dp', 'max_dp', 'mp', 'max_mp', 'lucidity', 'max_lucidity', 'xp'] as const;

export function decodeStatus(value: unknown): Status | null {
  if (!isObj(value)) return null;
  const tier = oneOf(value['tier'], TIERS);
  const condition = oneOf(value['condition'], CONDITIONS);
  if (tier === null || condition === null) return null;
  const figures: Partial<Record<(typeof STATUS_NUMBERS)[number], number>> = {};
  for (const key of STATUS_NUMBERS) {
    const figure = num(value, key);
    if (figure === null) return null;
    figures[key] = figure;
  }
  return { ...(figures as Record<(typeof STATUS_NUMBERS)[number], number>), tier, condition, in_combat: value['in_combat'] === true };
}

export function decodeCharacteristics(value: unknown): Characteristics | null {
  if (!isObj(value)) return null;
  const out: Partial<Characteristics> = {};
  for (const key of CHARACTERISTICS) {
    const figure = num(value, key);
    if (figure === null) return null;
    out[key] = figure;
  }
  return out as Characteristics;
}

export function decodeItem(value: unknown): Item | null {
  if (!isObj(value)) return null;
  const id = str(value, 'id');
  const prototype = str(value, 'prototype');
  const name = str(value, 'name');
  if (id === null || prototype === null || name === null) return null;
  return { id, prototype, name, weight: num(value, 'weight') ?? 0 };
}

export function decodeInventory(value: unknown): Inventory | null {
  if (!isObj(value)) return null;
  const rawCarried = value['carried'];
  const carried = Array.isArray(rawCarried) ? rawCarried.flatMap((i) => decodeItem(i) ?? []) : [];
  const worn: Record<string, Item> = {};
  const rawWorn = value['worn'];
  if (isObj(rawWorn)) {
    for (const [slot, raw] of Object.entries(rawWorn)) {
      const item = decodeItem(raw);
      if (item !== null) worn[slot] = item;
    }
  }
  return {
    carried,
    worn,
    weight: num(value, 'weight') ?? 0,
    max_weight: num(value, 'max_weight') ?? 0,
    things: num(value, 'things') ?? carried.length,
    max_things: num(value, 'max_things') ?? 0,
  };
}

function decodeCombatant(value: unknown): Combatant | null {
  if (!isObj(value)) return null;
  const id = str(value, 'id');
  const name = str(value, 'name');
  const kind = oneOf(value['kind'], ['player', 'npc'] as const);
  return id !== null && name !== null && kind !== null ? { id, name, kind } : null;
}

export function decodeCharacter(value: unknown): CharacterView | null {
  if (!isObj(value)) return null;
  const status = decodeStatus(value['status']);
  const characteristics = decodeCharacteristics(value['characteristics']);
  if (status === null || characteristics === null) return null;
  return {
    profession: str(value, 'profession') ?? '',
    characteristics,
    status,
    inventory: decodeInventory(value['inventory']),
  };
}

function decodeNpcPresence(data: Obj): NpcPresenceData | null {
  const id = str(data, 'npc_id');
  const name = str(data, 'npc_name');
  if (id === null || name === null) return null;
  return {
    npc_id: id,
    npc_name: name,
    prototype: str(data, 'prototype') ?? '',
    reason: oneOf(data['reason'], NPC_REASONS) ?? 'walked',
    direction: str(data, 'direction'),
    text: str(data, 'text'),
  };
}

function decodeCombat(data: Obj): CombatEventData | null {
  const kind = oneOf(data['kind'], COMBAT_KINDS);
  const text = str(data, 'text');
  if (kind === null || text === null) return null;
  return {
    kind,
    combat_id: str(data, 'combat_id'),
    round: num(data, 'round') ?? 0,
    actor: decodeCombatant(data['actor']),
    target: decodeCombatant(data['target']),
    damage: num(data, 'damage'),
    weapon: str(data, 'weapon'),
    verb: str(data, 'verb'),
    target_dp: num(data, 'target_dp'),
    target_max_dp: num(data, 'target_max_dp'),
    direction: str(data, 'direction'),
    xp: num(data, 'xp'),
    reason: str(data, 'reason'),
    text,
  };
}

function decodeChanges(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (isObj(value)) {
    for (const [key, delta] of Object.entries(value)) if (typeof delta === 'number') out[key] = delta;
  }
  return out;
}

type Decoder = (data: Obj) => GameplayEvent | null;

/** One decoder per gameplay event type: a table, not a chain of ifs. */
const DECODERS: Record<GameplayEvent['type'], Decoder> = {
  status_update: (data) => {
    const status = decodeStatus(data['status']);
    if (status === null) return null;
    const change = data['tier_changed'];
    const from = isObj(change) ? oneOf(change['from'], TIERS) : null;
    const to = isObj(change) ? oneOf(change['to'], TIERS) : null;
    return {
      type: 'status_update',
      data: {
        status,
        changes: decodeChanges(data['changes']),
        tier_changed: from !== null && to !== null ? { from, to } : null,
        reason: oneOf(data['reason'], STATUS_REASONS) ?? 'requested',
        text: str(data, 'text'),
      },
    };
  },
  inventory_update: (data) => {
    const inventory = decodeInventory(data['inventory']);
    return inventory === null ? null : { type: 'inventory_update', data: { inventory } };
  },
  item_event: (data) => {
    const action = oneOf(data['action'], ITEM_ACTIONS);
    const item = decodeItem(data['item']);
    const text = str(data, 'text');
    if (action === null || item === null || text === null) return null;
    return {
      type: 'item_event',
      data: {
        action,
        item,
        text,
        actor: decodeCombatant(data['actor']),
        target: decodeCombatant(data['target']),
        slot: oneOf(data['slot'], SLOTS),
      },
    };
  },
  npc_entered: (data) => {
    const presence = decodeNpcPresence(data);
    return presence === null ? null : { type: 'npc_entered', data: presence };
  },
  npc_left: (data) => {
    const presence = decodeNpcPresence(data);
    return presence === null ? null : { type: 'npc_left', data: presence };
  },
  combat_event: (data) => {
    const combat = decodeCombat(data);
    return combat === null ? null : { type: 'combat_event', data: combat };
  },
  room_message: (data) => {
    const text = str(data, 'text');
    if (text === null) return null;
    return {
      type: 'room_message',
      data: {
        kind: str(data, 'kind') ?? '',
        actor: decodeCombatant(data['actor']),
        target: decodeCombatant(data['target']),
        text,
      },
    };
  },
  hallucination: (data) => {
    const text = str(data, 'text');
    if (text === null) return null;
    return { type: 'hallucination', data: { kind: oneOf(data['kind'], HALLUCINATIONS) ?? 'whisper', text } };
  },
  character_list: (data) => {
    const raw = data['characters'];
    if (!Array.isArray(raw)) return null;
    const characters = raw.flatMap((entry): wire.CharacterSummary[] => {
      if (!isObj(entry)) return [];
      const id = str(entry, 'id');
      const name = str(entry, 'name');
      if (id === null || name === null) return [];
      return [
        {
          id,
          name,
          profession: str(entry, 'profession') ?? '',
          playing: entry['playing'] === true,
          room_id: str(entry, 'room_id'),
          condition: oneOf(entry['condition'], CONDITIONS) ?? 'healthy',
        },
      ];
    });
    return { type: 'character_list', data: { characters, max: num(data, 'max') ?? characters.length } };
  },
  character_roll: (data) => {
    const characteristics = decodeCharacteristics(data['characteristics']);
    const derived = data['derived'];
    if (characteristics === null || !isObj(derived)) return null;
    const rawProfessions = data['professions'];
    return {
      type: 'character_roll',
      data: {
        method: oneOf(data['method'], ['3d6', '4d6'] as const) ?? '3d6',
        characteristics,
        derived: {
          max_dp: num(derived, 'max_dp') ?? 0,
          max_mp: num(derived, 'max_mp') ?? 0,
          max_lucidity: num(derived, 'max_lucidity') ?? 0,
          max_weight: num(derived, 'max_weight') ?? 0,
        },
        professions: Array.isArray(rawProfessions)
          ? rawProfessions.filter((p): p is string => typeof p === 'string')
          : [],
      },
    };
  },
};

/** Decode a gameplay event, or null for another type or a payload that does not check out. */
export function decodeGameplayEvent(eventType: string, data: Obj): GameplayEvent | null {
  const decoder = (DECODERS as Partial<Record<string, Decoder>>)[eventType];
  return decoder === undefined ? null : decoder(data);
}

const DISTORTIONS = ['strained', 'glyph', 'muffled', 'scrambled'] as const;

/** `chat_message.data.distortion`: the known marks, in order (others are dropped). */
export function decodeDistortion(value: unknown): wire.ChatMessageData['distortion'] {
  return Array.isArray(value) ? value.flatMap((d) => oneOf(d, DISTORTIONS) ?? []) : [];
}

// Generated from libs/contracts/schema/protocol.schema.json (the contract's models and the
// game's command registry) by `make protocol`
// (uv run python -m mythos_game.entrypoints.protocol_export). Do not edit by hand:
// a test fails when this file is stale.

export const EVENT_TYPES = [
  'game_state',
  'room_update',
  'player_entered',
  'player_left',
  'chat_message',
  'command_response',
  'error',
  'disconnect',
  'heartbeat',
  'pong',
  'game_tick',
  'auth_ok',
  'inventory_update',
  'item_event',
  'npc_entered',
  'npc_left',
  'combat_event',
  'room_message',
  'character_roll',
  'character_list',
  'status_update',
  'hallucination',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Outside the stream: the last number issued, never replayed. */
export const CONTROL_EVENT_TYPES = ['disconnect', 'heartbeat', 'pong', 'auth_ok'] as const;
export type ControlEventType = (typeof CONTROL_EVENT_TYPES)[number];

/** WebSocket close codes the server uses (docs/protocol.md). */
export const CLOSE_CODES = {
  /** normal close (quit) */
  NORMAL: 1000,
  /** a text frame that is not valid UTF-8 (closed by the WebSocket layer) */
  INVALID_UTF8: 1007,
  /** a sustained flood: too many frames refused for the rate; reconnect after a pause (refused handshakes are HTTP 403) */
  POLICY_VIOLATION: 1008,
  /** a frame over the size limit */
  MESSAGE_TOO_BIG: 1009,
  /** this edge is shutting down: reconnect at once and resume */
  SERVICE_RESTART: 1012,
  /** the character could not be loaded: reconnect after a pause */
  TRY_AGAIN_LATER: 1013,
  /** the same player connected elsewhere: do not reconnect by itself */
  SESSION_REPLACED: 4001,
  /** nothing (not even a ping) was received for too long */
  IDLE: 4002,
  /** the access token expired without an in-band refresh */
  TOKEN_EXPIRED: 4003,
  /** kicked by an administrator: do not reconnect by itself */
  KICKED: 4004,
  /** too many messages were waiting for this connection */
  TOO_SLOW: 4008,
  /** its login was revoked (signed out, banned...): do not reconnect with this token */
  REVOKED: 4009,
} as const;
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/** The edge accepted a token sent in-band (`{"command": "auth", "args": [token]}`). */
export interface AuthOkData {
  command_id: string | null;
  /** when the new token expires (ISO 8601, UTC) */
  expires_at: string;
  /** seconds until then, by the server's clock */
  expires_in: number;
}

/**
 * `character_list`: the account's characters (after `characters`, `create`,
 * `chardelete`).
 */
export interface CharacterListData {
  characters: CharacterSummary[];
  /** how many characters an account may keep */
  max: number;
}

/** `character_roll`: the roll you just made (your pending roll until `create`). */
export interface CharacterRollData {
  method: '3d6' | '4d6';
  characteristics: Characteristics;
  derived: Derived;
  /** ids of the professions this roll qualifies for, in the professions file's order */
  professions: string[];
}

/** One of an account's characters, as `character_list` shows it. */
export interface CharacterSummary {
  id: string;
  name: string;
  profession: string;
  /** the character this connection plays now */
  playing: boolean;
  /** None until the character is first played */
  room_id: string | null;
  condition: 'healthy' | 'bleeding' | 'dead';
}

/** What `game_state` says of the character you play. */
export interface CharacterView {
  profession: string;
  characteristics: Characteristics;
  status: Status;
  /** what you carry and wear (always sent in game_state) */
  inventory: InventoryView | null;
}

/** The nine characteristics, each a whole number 1..99. */
export interface Characteristics {
  str: number;
  con: number;
  siz: number;
  dex: number;
  cha: number;
  int: number;
  pow: number;
  edu: number;
  luck: number;
}

/** A line someone said. `history` marks lines from before you logged in. */
export interface ChatMessageData {
  channel: 'say' | 'emote' | 'local' | 'global' | 'whisper' | 'system';
  player_id: string;
  player_name: string;
  message: string;
  /** the line as a player reads it, e.g. 'Alice says: hello' */
  text: string;
  history: boolean;
  /** what a troubled mind did to this line: the speaker's (strained, glyph), then this reader's own (muffled, scrambled) */
  distortion: ('strained' | 'glyph' | 'muffled' | 'scrambled')[];
}

/** What a client sends over the WebSocket. */
export interface ClientCommand {
  command: string;
  args?: string[];
  timestamp?: string | null;
  command_id?: string | null;
}

/**
 * Something that happened in a fight. The structured fields are the same for everyone
 * in the room; `text` is the line as this recipient reads it.
 */
export interface CombatEventData {
  kind: 'engage' | 'hit' | 'target' | 'flee' | 'flee_failed' | 'fall' | 'death' | 'end';
  /** the fight; null for a death outside any fight */
  combat_id: string | null;
  /** the round resolved; engagements and opening blows carry the last round resolved (0 before the first) */
  round: number;
  /** who acts; the killer for a death */
  actor: Combatant | null;
  /** who is acted on, falls or dies */
  target: Combatant | null;
  /** hit only */
  damage: number | null;
  /** hit only: the weapon's name, or null */
  weapon: string | null;
  /** hit only: claw, punch, strike… */
  verb: string | null;
  /** hit only: after the blow */
  target_dp: number | null;
  /** hit only */
  target_max_dp: number | null;
  /** flee only */
  direction: string | null;
  /** NPC death only: what the killer gains */
  xp: number | null;
  /** end: victory | fled | left | gone; flee: voluntary | terror */
  reason: string | null;
  text: string;
}

/** Someone who acts or is acted on: a character or an NPC. */
export interface Combatant {
  id: string;
  name: string;
  kind: 'player' | 'npc';
}

/** One command as a client may show or complete it (`help <name>` tells more). */
export interface CommandInfo {
  name: string;
  /** other words for the same command */
  aliases: string[];
  usage: string;
  summary: string;
  category: string;
  /** only admins may use it (and only they see it in help) */
  admin: boolean;
}

/** Exactly one per command a client sends. */
export interface CommandResponseData {
  command: string;
  command_id: string | null;
  success: boolean;
  /** the text the player reads */
  result: string;
  /** only when the edge refused the command for its rate (not run): seconds until one may be sent again */
  retry_after?: number | null;
}

/** What a roll's characteristics make of a character. */
export interface Derived {
  max_dp: number;
  max_mp: number;
  max_lucidity: number;
  /** pounds one can carry */
  max_weight: number;
}

/** The server ends this session; the edge closes the socket with `code` after sending it. */
export interface DisconnectData {
  /** WebSocket close code, see docs/protocol.md */
  code: number;
  reason: string;
}

/** Input that could not be understood as a command at all (e.g. invalid JSON). */
export interface ErrorData {
  message: string;
  command_id: string | null;
}

/** First message of every stream: who you are and where you stand. */
export interface GameStateData {
  player: PlayerView;
  room: RoomView;
  /** identity of this event stream; sequence numbers are per epoch */
  epoch: string;
  /** private id of this stream; present it to resume */
  session_id: string;
  /** true when a resume could not be served: rebuild your view from this message */
  resync: boolean;
  /** seconds between heartbeats; a client derives its silence timeout from it */
  heartbeat_interval_seconds: number | null;
  /** the character you play (`player` is its id and name) */
  character: CharacterView | null;
}

/** The world's clock, sent to everyone at a low rate (every 60 ticks by default). */
export interface GameTickData {
  tick_number: number;
  timestamp: string;
}

/** Something only you perceive (a troubled mind); no other stream is told. */
export interface HallucinationData {
  kind: 'whisper' | 'shadow' | 'overlay';
  text: string;
}

/** Sent every interval; `sequence_number` is the last number issued to you. */
export interface HeartbeatData {
  interval_seconds: number;
}

/** Sent to you after any change to what you carry or wear, and after `inventory`. */
export interface InventoryUpdateData {
  inventory: InventoryView;
}

/** What a character carries and wears; worn items count toward weight, not things. */
export interface InventoryView {
  carried: ItemView[];
  /** slot -> item; a two-handed item is in both */
  worn: { [key: string]: ItemView };
  /** pounds, carried and worn */
  weight: number;
  max_weight: number;
  /** items carried (worn ones do not count) */
  things: number;
  max_things: number;
}

/** Something happened to an item in your room (you did not do it yourself). */
export interface ItemEventData {
  action: 'get' | 'drop' | 'give' | 'equip' | 'unequip' | 'use' | 'spawn' | 'loot' | 'purge' | 'decay';
  /** who did it; null when nobody did (a spawn) */
  actor: Combatant | null;
  item: ItemView;
  /** the recipient of a 'give' */
  target: Combatant | null;
  /** the slot of an equip or unequip */
  slot: 'head' | 'body' | 'hands' | 'feet' | 'neck' | 'main_hand' | 'off_hand' | null;
  /** the line as you read it, e.g. 'Ada picks up a brass lantern.' */
  text: string;
}

/** One item in the world; its `id` never changes as it moves. */
export interface ItemView {
  id: string;
  /** the id of its kind, e.g. 'brass-lantern' */
  prototype: string;
  /** with its article, e.g. 'a brass lantern' */
  name: string;
  /** pounds */
  weight: number;
}

/**
 * `npc_entered` / `npc_left`: an NPC appeared in or left your room. Every change
 * to a room's NPCs sends exactly one of these.
 */
export interface NpcPresenceData {
  npc_id: string;
  npc_name: string;
  prototype: string;
  reason: 'spawned' | 'walked' | 'fled' | 'died' | 'purged';
  /** walked/fled: where it went (npc_left) or came from (npc_entered), in that room's terms */
  direction: string | null;
  /** the line to show, when there is one */
  text: string | null;
}

export interface PlayerView {
  id: string;
  name: string;
}

/** The edge's answer to `{"command": "ping"}`: nothing but the message itself. */
export type PongData = Record<string, never>;

/** `player_entered` / `player_left`: someone else arrived in or left your room. */
export interface PresenceData {
  player_id: string;
  player_name: string;
}

/** Narration the game makes for a room (not chat): aid, respawn, catatonia… */
export interface RoomMessageData {
  kind: string;
  actor: Combatant | null;
  target: Combatant | null;
  text: string;
}

/** Something listed in a room: an item on the floor, or an NPC (its instance id, npc-…). */
export interface RoomThing {
  id: string;
  prototype: string;
  name: string;
}

/** Sent to a player whose room changed (or whose view of it must be refreshed). */
export interface RoomUpdateData {
  room: RoomView;
}

export interface RoomView {
  id: string;
  name: string;
  description: string;
  /** direction -> room id */
  exits: { [key: string]: string };
  /** names of the players in the room, the viewer included */
  occupants: string[];
  /** the items on the floor, in order of arrival */
  items: RoomThing[];
  /** the NPCs in the room, in order of arrival */
  npcs: RoomThing[];
}

/** A character's vitals: what `status_update` carries whole. */
export interface Status {
  /** determination (hit points); -10 is death */
  dp: number;
  max_dp: number;
  mp: number;
  max_mp: number;
  lucidity: number;
  max_lucidity: number;
  tier: 'lucid' | 'uneasy' | 'fractured' | 'deranged' | 'catatonic';
  condition: 'healthy' | 'bleeding' | 'dead';
  in_combat: boolean;
  xp: number;
}

/**
 * `status_update`: your vitals whole, what changed (net deltas) and why; at most one
 * per command or tick, after its other events.
 */
export interface StatusUpdateData {
  status: Status;
  /** field -> net change, e.g. {'dp': -3} */
  changes: { [key: string]: number };
  tier_changed: TierChange | null;
  /** the cause of the first change */
  reason: 'combat' | 'encounter' | 'ambience' | 'witnessed_death' | 'catatonia' | 'bleeding' | 'aid' | 'regen' | 'respawn' | 'item' | 'meditate' | 'pray' | 'ground' | 'asylum' | 'xp' | 'admin' | 'requested' | 'restart';
  /** the texts of every cause, one per line; null when no cause has one */
  text: string | null;
}

export interface TierChange {
  from: 'lucid' | 'uneasy' | 'fractured' | 'deranged' | 'catatonic';
  to: 'lucid' | 'uneasy' | 'fractured' | 'deranged' | 'catatonic';
}

/** What every server message shares; `data` depends on `event_type`. */
export interface Envelope {
  event_type: EventType;
  timestamp: string;
  sequence_number: number;
  player_id: string | null;
  room_id: string | null;
  data: { [key: string]: unknown };
}

export type GameStateEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'game_state';
  data: GameStateData;
};

export type RoomUpdateEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'room_update';
  data: RoomUpdateData;
};

export type PlayerEnteredEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'player_entered';
  data: PresenceData;
};

export type PlayerLeftEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'player_left';
  data: PresenceData;
};

export type ChatMessageEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'chat_message';
  data: ChatMessageData;
};

export type CommandResponseEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'command_response';
  data: CommandResponseData;
};

export type ErrorEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'error';
  data: ErrorData;
};

export type DisconnectEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'disconnect';
  data: DisconnectData;
};

export type HeartbeatEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'heartbeat';
  data: HeartbeatData;
};

export type PongEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'pong';
  data: PongData;
};

export type GameTickEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'game_tick';
  data: GameTickData;
};

export type AuthOkEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'auth_ok';
  data: AuthOkData;
};

export type InventoryUpdateEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'inventory_update';
  data: InventoryUpdateData;
};

export type ItemEventEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'item_event';
  data: ItemEventData;
};

export type NpcEnteredEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'npc_entered';
  data: NpcPresenceData;
};

export type NpcLeftEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'npc_left';
  data: NpcPresenceData;
};

export type CombatEventEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'combat_event';
  data: CombatEventData;
};

export type RoomMessageEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'room_message';
  data: RoomMessageData;
};

export type CharacterRollEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'character_roll';
  data: CharacterRollData;
};

export type CharacterListEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'character_list';
  data: CharacterListData;
};

export type StatusUpdateEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'status_update';
  data: StatusUpdateData;
};

export type HallucinationEvent = Omit<Envelope, 'data' | 'event_type'> & {
  event_type: 'hallucination';
  data: HallucinationData;
};

/** What a client receives: one message of its stream, or a control message. */
export type ServerMessage =
  | GameStateEvent
  | RoomUpdateEvent
  | PlayerEnteredEvent
  | PlayerLeftEvent
  | ChatMessageEvent
  | CommandResponseEvent
  | ErrorEvent
  | DisconnectEvent
  | HeartbeatEvent
  | PongEvent
  | GameTickEvent
  | AuthOkEvent
  | InventoryUpdateEvent
  | ItemEventEvent
  | NpcEnteredEvent
  | NpcLeftEvent
  | CombatEventEvent
  | RoomMessageEvent
  | CharacterRollEvent
  | CharacterListEvent
  | StatusUpdateEvent
  | HallucinationEvent;

/** Every command of the game, by name (what `help` lists, admin ones included). */
export const COMMANDS: readonly CommandInfo[] = [
  {
    name: 'admin',
    aliases: [],
    usage: 'admin status | admin zones | admin move <zone> <shard>',
    summary: "How the game is doing: players online, rooms occupied, uptime; with more than one shard, each shard's players, term and active instance; the live shard map, and moving a zone to another shard.",
    category: 'Admin',
    admin: true,
  },
  {
    name: 'aid',
    aliases: [],
    usage: 'aid <player>',
    summary: 'Bind the wounds of a bleeding player in the room: they get up with 1 DP.',
    category: 'Combat',
    admin: false,
  },
  {
    name: 'alias',
    aliases: [],
    usage: 'alias <name> <command...>',
    summary: 'Make a word of your own stand for a longer command; it is kept between visits.',
    category: 'Aliases',
    admin: false,
  },
  {
    name: 'aliases',
    aliases: [],
    usage: 'aliases',
    summary: 'List your aliases.',
    category: 'Aliases',
    admin: false,
  },
  {
    name: 'attack',
    aliases: ['hit', 'kill', 'fight'],
    usage: 'attack <target>',
    summary: 'Attack a creature in the room, or turn on another one in your fight.',
    category: 'Combat',
    admin: false,
  },
  {
    name: 'ban',
    aliases: [],
    usage: 'ban <player> [duration] [reason]',
    summary: "Ban a player's account (until lifted, or for a while) and remove them at once.",
    category: 'Admin',
    admin: true,
  },
  {
    name: 'broadcast',
    aliases: [],
    usage: 'broadcast <text>',
    summary: 'Announce something to every player online (you included), as a system line.',
    category: 'Admin',
    admin: true,
  },
  {
    name: 'characters',
    aliases: ['chars'],
    usage: 'characters',
    summary: 'Your characters: profession, where each stands, which you play.',
    category: 'Character',
    admin: false,
  },
  {
    name: 'chardelete',
    aliases: [],
    usage: 'chardelete <name> confirm',
    summary: 'Delete one of your other characters for good; its name and slot are free.',
    category: 'Character',
    admin: false,
  },
  {
    name: 'create',
    aliases: [],
    usage: 'create <name> <profession>',
    summary: 'Keep your last roll as a new character of a profession.',
    category: 'Character',
    admin: false,
  },
  {
    name: 'drop',
    aliases: [],
    usage: 'drop <item> | all | all.<item>',
    summary: 'Put down something you carry, or everything.',
    category: 'Items',
    admin: false,
  },
  {
    name: 'emote',
    aliases: ['me'],
    usage: 'emote <action>   (or :action)',
    summary: "Act something out for the room: 'emote laughs.' shows 'Alice laughs.'",
    category: 'Talking',
    admin: false,
  },
  {
    name: 'equip',
    aliases: ['wield', 'wear', 'hold'],
    usage: 'equip <item>',
    summary: 'Wield a weapon, wear armour or hold a thing you carry.',
    category: 'Items',
    admin: false,
  },
  {
    name: 'flee',
    aliases: [],
    usage: 'flee',
    summary: 'Try to run from your fight through a random way out.',
    category: 'Combat',
    admin: false,
  },
  {
    name: 'get',
    aliases: ['take'],
    usage: 'get <item> | all | all.<item>',
    summary: 'Pick up something that lies here, or everything.',
    category: 'Items',
    admin: false,
  },
  {
    name: 'give',
    aliases: [],
    usage: 'give <item> [to] <player>',
    summary: 'Hand something you carry to another player in the room.',
    category: 'Items',
    admin: false,
  },
  {
    name: 'global',
    aliases: ['gossip'],
    usage: 'global <text>',
    summary: 'Speak to every player online.',
    category: 'Talking',
    admin: false,
  },
  {
    name: 'go',
    aliases: ['move', 'walk'],
    usage: 'go <direction>   (or just the direction: north, n, up, u, ...)',
    summary: 'Walk through an exit of the room.',
    category: 'World',
    admin: false,
  },
  {
    name: 'goto',
    aliases: [],
    usage: 'goto <player | room>',
    summary: "Go at once to a player's room, or to a room (by id or name).",
    category: 'Admin',
    admin: true,
  },
  {
    name: 'ground',
    aliases: [],
    usage: 'ground <player>',
    summary: 'Talk a catatonic investigator in this room back to the world (to 1 lucidity).',
    category: 'Mind',
    admin: false,
  },
  {
    name: 'help',
    aliases: ['?'],
    usage: 'help [command]',
    summary: 'List the commands by category, or explain one (its usage and examples).',
    category: 'Help',
    admin: false,
  },
  {
    name: 'inventory',
    aliases: ['i', 'inv'],
    usage: 'inventory',
    summary: 'List what you carry and what you wear and wield.',
    category: 'Items',
    admin: false,
  },
  {
    name: 'kick',
    aliases: [],
    usage: 'kick <player> [reason]',
    summary: "Close a player's connection and take them out of the world at once.",
    category: 'Admin',
    admin: true,
  },
  {
    name: 'local',
    aliases: [],
    usage: 'local <text>',
    summary: 'Speak to everyone in this area (the rooms of your sub-zone).',
    category: 'Talking',
    admin: false,
  },
  {
    name: 'look',
    aliases: ['l'],
    usage: 'look [<direction> | <player> | <creature> | <item>]',
    summary: 'Describe the room you stand in, its exits, who and what is here; or what lies in one direction; or a player or creature in the room.',
    category: 'World',
    admin: false,
  },
  {
    name: 'meditate',
    aliases: [],
    usage: 'meditate',
    summary: 'Sit still and steady your mind: +6 lucidity (up to 100).',
    category: 'Mind',
    admin: false,
  },
  {
    name: 'mute',
    aliases: [],
    usage: 'mute <player> [minutes]',
    summary: 'Stop a player speaking on every channel for a while (10 minutes unless given).',
    category: 'Admin',
    admin: true,
  },
  {
    name: 'play',
    aliases: ['ic'],
    usage: 'play <name>',
    summary: 'Become another of your characters, on the same connection.',
    category: 'Character',
    admin: false,
  },
  {
    name: 'pose',
    aliases: [],
    usage: 'pose [<description>]',
    summary: "Set how others see you standing here (shown by 'look'); 'pose' alone clears it.",
    category: 'Talking',
    admin: false,
  },
  {
    name: 'pray',
    aliases: [],
    usage: 'pray',
    summary: 'Pray in a holy place: +8 lucidity (up to 100).',
    category: 'Mind',
    admin: false,
  },
  {
    name: 'professions',
    aliases: [],
    usage: 'professions',
    summary: 'The professions a new character may take: what each needs and changes.',
    category: 'Character',
    admin: false,
  },
  {
    name: 'purge',
    aliases: [],
    usage: 'purge',
    summary: 'Remove every creature and every thing on the floor of your room.',
    category: 'Admin',
    admin: true,
  },
  {
    name: 'quit',
    aliases: ['logout', 'exit'],
    usage: 'quit',
    summary: 'Leave the world now and close the connection.',
    category: 'Session',
    admin: false,
  },
  {
    name: 'reply',
    aliases: ['r'],
    usage: 'reply <text>',
    summary: 'Whisper back to the last player who whispered to you.',
    category: 'Talking',
    admin: false,
  },
  {
    name: 'respawn',
    aliases: [],
    usage: 'respawn',
    summary: 'Return to the living, at the sanitarium, with full determination and magic.',
    category: 'Combat',
    admin: false,
  },
  {
    name: 'roll',
    aliases: [],
    usage: 'roll [3d6|4d6]',
    summary: "Roll the characteristics of a new character (kept until you 'create' one).",
    category: 'Character',
    admin: false,
  },
  {
    name: 'say',
    aliases: [],
    usage: "say <text>   (or 'text)",
    summary: 'Speak to everyone in the room.',
    category: 'Talking',
    admin: false,
  },
  {
    name: 'setstat',
    aliases: [],
    usage: 'setstat <player> <stat> <value>',
    summary: "Set a player's characteristic, determination, magic, lucidity or experience.",
    category: 'Admin',
    admin: true,
  },
  {
    name: 'spawn',
    aliases: [],
    usage: 'spawn <id> [count]',
    summary: 'Make items or creatures appear in your room.',
    category: 'Admin',
    admin: true,
  },
  {
    name: 'status',
    aliases: ['score', 'sheet'],
    usage: 'status',
    summary: 'Your character sheet: characteristics, determination, magic, lucidity, experience.',
    category: 'Character',
    admin: false,
  },
  {
    name: 'summon',
    aliases: [],
    usage: 'summon <player>',
    summary: 'Bring a player to your room.',
    category: 'Admin',
    admin: true,
  },
  {
    name: 'teleport',
    aliases: ['tp'],
    usage: 'teleport <player> <room>',
    summary: 'Move a player to a room (by id or name).',
    category: 'Admin',
    admin: true,
  },
  {
    name: 'unalias',
    aliases: [],
    usage: 'unalias <name>',
    summary: 'Forget one of your aliases.',
    category: 'Aliases',
    admin: false,
  },
  {
    name: 'unequip',
    aliases: ['remove', 'unwield'],
    usage: 'unequip <item> | <slot>',
    summary: 'Stop wielding, wearing or holding something; it goes back into your pack.',
    category: 'Items',
    admin: false,
  },
  {
    name: 'unmute',
    aliases: [],
    usage: 'unmute <player>',
    summary: 'Let a muted player speak again.',
    category: 'Admin',
    admin: true,
  },
  {
    name: 'use',
    aliases: ['drink', 'eat'],
    usage: 'use <item>',
    summary: 'Drink, eat or otherwise use up something you carry.',
    category: 'Items',
    admin: false,
  },
  {
    name: 'whisper',
    aliases: ['tell'],
    usage: 'whisper <player> <text>',
    summary: 'Say something only one player hears, wherever they are.',
    category: 'Talking',
    admin: false,
  },
  {
    name: 'who',
    aliases: [],
    usage: 'who',
    summary: 'List the players online and where they are (room and zone), on every shard.',
    category: 'People',
    admin: false,
  },
  {
    name: 'whoami',
    aliases: [],
    usage: 'whoami',
    summary: 'Who you are, where you stand, and anything that limits you (a mute).',
    category: 'People',
    admin: false,
  },
];

/** Each direction word (a command by itself: `go <direction>`), with its short forms. */
export const DIRECTION_WORDS: Readonly<Record<string, readonly string[]>> = {
  north: ['n'],
  south: ['s'],
  east: ['e'],
  west: ['w'],
  northeast: ['ne'],
  northwest: ['nw'],
  southeast: ['se'],
  southwest: ['sw'],
  up: ['u'],
  down: ['d'],
};

/** The chat panel's state: one tab per channel, each with its lines and an unread count. */

export const DEFAULT_CHANNELS: readonly string[] = ['say', 'local', 'global', 'whisper'];
export const MAX_CHAT_LINES = 500;

export interface ChatLine {
  id: number;
  channel: string;
  text: string;
  /** what you said yourself */
  own: boolean;
  /** sent to catch you up on what was said before you arrived */
  history: boolean;
  /** what a troubled mind did to the line: strained, glyph, muffled, scrambled */
  distortion: readonly string[];
}

export interface ChatState {
  channels: readonly string[];
  lines: Readonly<Record<string, readonly ChatLine[]>>;
  unread: Readonly<Record<string, number>>;
  active: string;
}

export function emptyChat(): ChatState {
  return { channels: DEFAULT_CHANNELS, lines: {}, unread: {}, active: DEFAULT_CHANNELS[0] ?? 'say' };
}

/** Add a line to its channel (a channel the client did not know gets a tab of its own). */
export function addChatLine(chat: ChatState, line: ChatLine): ChatState {
  const channels = chat.channels.includes(line.channel) ? chat.channels : [...chat.channels, line.channel];
  const previous = chat.lines[line.channel] ?? [];
  const kept = previous.length >= MAX_CHAT_LINES ? previous.slice(previous.length - MAX_CHAT_LINES + 1) : previous;
  const counts = line.channel !== chat.active && !line.own && !line.history;
  return {
    ...chat,
    channels,
    lines: { ...chat.lines, [line.channel]: [...kept, line] },
    unread: counts ? { ...chat.unread, [line.channel]: (chat.unread[line.channel] ?? 0) + 1 } : chat.unread,
  };
}

/** Show a channel's tab; its lines count as read. */
export function selectChannel(chat: ChatState, channel: string): ChatState {
  if (!chat.channels.includes(channel)) return chat;
  return { ...chat, active: channel, unread: { ...chat.unread, [channel]: 0 } };
}

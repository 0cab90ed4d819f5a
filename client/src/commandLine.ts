import type { ClientCommand } from './protocol';

/** A typed line, split into the command word and its arguments. */
export interface ParsedLine {
  command: string;
  args: string[];
}

function words(text: string): string[] {
  return text.split(/\s+/).filter((word) => word !== '');
}

/**
 * Turn what the player typed into a command.
 *
 * - surrounding whitespace is ignored, and so is one leading `/` (`/look` is `look`);
 * - the first word is the command, the remaining whitespace-separated words its arguments;
 * - a line starting with `'` is `say` with the rest of the line (`'hello` says hello).
 *
 * Returns null for a line with nothing to send.
 */
export function parseCommandLine(line: string): ParsedLine | null {
  const trimmed = line.trim();
  if (trimmed.startsWith("'")) {
    return { command: 'say', args: words(trimmed.slice(1)) };
  }
  const body = trimmed.startsWith('/') ? trimmed.slice(1) : trimmed;
  const [command, ...args] = words(body);
  return command === undefined ? null : { command, args };
}

function fallbackUuid(): string {
  // crypto.randomUUID only exists in secure contexts (https, localhost);
  // getRandomValues exists everywhere, so build a version 4 UUID from it.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A fresh command id: crypto.randomUUID() where the browser offers it. */
export function newCommandId(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : fallbackUuid();
}

/** The frame to send for a parsed line. */
export function toClientCommand(
  parsed: ParsedLine,
  now: Date = new Date(),
  commandId: string = newCommandId(),
): ClientCommand {
  return {
    command: parsed.command,
    args: parsed.args,
    timestamp: now.toISOString(),
    command_id: commandId,
  };
}

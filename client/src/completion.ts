/**
 * Tab completion for the command line: the first word completes to a command name,
 * later words to the names of the players in the room (or, after `go`, to its exits).
 */
import { COMMANDS, DIRECTION_WORDS, type CommandInfo } from './protocol.generated';

/** An alias shorter than this is an abbreviation, quicker typed than completed (`l`, `me`). */
const MIN_ALIAS_LENGTH = 3;
/** `go` and its aliases: their word completes to the exits of the room. */
const MOVE_COMMANDS = new Set(['go', ...(COMMANDS.find((command) => command.name === 'go')?.aliases ?? [])]);
const WORD = /^[a-z][a-z0-9_-]{0,31}$/i;

/**
 * The words the first word of a line completes to: each command of the game with its
 * aliases, and each direction (a command by itself). They come from the command registry
 * through the generated protocol (`make protocol`), so a new command completes without any
 * change here. Admin commands only for admins: the server refuses them to anyone else.
 */
export function commandWords(
  options: { admin?: boolean } = {},
  commands: readonly CommandInfo[] = COMMANDS,
  directions: Readonly<Record<string, readonly string[]>> = DIRECTION_WORDS,
): string[] {
  const words = new Set<string>();
  for (const command of commands) {
    if (command.admin && options.admin !== true) continue;
    words.add(command.name);
    for (const alias of command.aliases) if (alias.length >= MIN_ALIAS_LENGTH) words.add(alias);
  }
  for (const direction of Object.keys(directions)) words.add(direction);
  return [...words].filter((word) => WORD.test(word));
}

/** What the words before the cursor can complete to. */
export interface CompletionSource {
  commands: readonly string[];
  /** players in the room (not you) */
  players: readonly string[];
  /** exits of the room */
  exits: readonly string[];
}

/** The candidates for the last word of `line`, and where that word starts. */
export function completionCandidates(
  line: string,
  source: CompletionSource,
): { start: number; candidates: string[] } {
  const start = line.search(/\S*$/);
  const word = line.slice(start);
  const before = line.slice(0, start).trim();
  const isFirstWord = before === '';
  let pool: readonly string[];
  let prefix = word;
  let lead = '';
  if (isFirstWord) {
    if (word.startsWith('/')) {
      lead = '/';
      prefix = word.slice(1);
    }
    pool = source.commands;
  } else {
    const command = (before.split(/\s+/)[0] ?? '').replace(/^\//, '').toLowerCase();
    pool = MOVE_COMMANDS.has(command) ? source.exits : source.players;
  }
  const lower = prefix.toLowerCase();
  const seen = new Set<string>();
  const candidates: string[] = [];
  for (const name of [...pool].sort((a, b) => a.localeCompare(b))) {
    const key = name.toLowerCase();
    if (!key.startsWith(lower) || seen.has(key)) continue;
    seen.add(key);
    candidates.push(lead + name);
  }
  return { start, candidates };
}

/**
 * Cycles through the candidates on repeated Tab presses: the first press completes to the
 * first candidate, the next ones to the following candidates (Shift+Tab goes back). Any
 * other edit starts over.
 */
export class TabCompleter {
  private cycle: { start: number; candidates: string[]; index: number; produced: string } | null =
    null;

  /** The completed line, or null when nothing matches. */
  complete(line: string, source: CompletionSource, backwards = false): string | null {
    const cycle = this.cycle;
    if (cycle !== null && cycle.produced === line && cycle.candidates.length > 0) {
      const count = cycle.candidates.length;
      cycle.index = (cycle.index + (backwards ? count - 1 : 1)) % count;
      cycle.produced = this.fill(line.slice(0, cycle.start), cycle.candidates[cycle.index] ?? '', count);
      return cycle.produced;
    }
    const { start, candidates } = completionCandidates(line, source);
    if (candidates.length === 0) {
      this.cycle = null;
      return null;
    }
    const index = backwards ? candidates.length - 1 : 0;
    const produced = this.fill(line.slice(0, start), candidates[index] ?? '', candidates.length);
    this.cycle = { start, candidates, index, produced };
    return produced;
  }

  /** Forget the cycle (the player typed something else). */
  reset(): void {
    this.cycle = null;
  }

  private fill(head: string, candidate: string, count: number): string {
    // A single match is final: add the space so the next word can follow.
    return count === 1 ? `${head}${candidate} ` : `${head}${candidate}`;
  }
}

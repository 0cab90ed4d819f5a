/**
 * Tab completion for the command line: the first word completes to a command name,
 * later words to the names of the players in the room (or, after `go`, to its exits).
 */

/** Commands every server knows (docs/protocol.md); `help` output adds the rest. */
export const STATIC_COMMANDS: readonly string[] = [
  'look',
  'go',
  'move',
  'walk',
  'say',
  'who',
  'help',
  'north',
  'south',
  'east',
  'west',
  'northeast',
  'northwest',
  'southeast',
  'southwest',
  'up',
  'down',
];

const MOVE_COMMANDS = new Set(['go', 'move', 'walk']);
const WORD = /^[a-z][a-z0-9_-]{0,31}$/i;

/**
 * Command names found in the text of a `help` answer: the indented `Category: a, b, c`
 * lines of the list, and the `Aliases: x, y` line of one command's help.
 */
export function commandsFromHelp(text: string): string[] {
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    const listed = /^\s+[^:]+:\s*(.+)$/.exec(line) ?? /^Aliases:\s*(.+)$/.exec(line);
    if (listed?.[1] === undefined) continue;
    for (const item of listed[1].split(',')) {
      const word = item.trim().toLowerCase();
      if (WORD.test(word)) found.add(word);
    }
  }
  return [...found];
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

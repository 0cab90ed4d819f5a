/** The part of localStorage the history uses (tests pass a plain object). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface HistoryOptions {
  /** how many lines to keep */
  limit?: number;
  /** where to keep them between visits (localStorage in the browser) */
  storage?: KeyValueStorage | null;
  key?: string;
}

export const DEFAULT_HISTORY_KEY = 'mythos.history';

function load(storage: KeyValueStorage | null, key: string): string[] {
  if (storage === null) return [];
  try {
    const value: unknown = JSON.parse(storage.getItem(key) ?? '[]');
    return Array.isArray(value) ? value.filter((line): line is string => typeof line === 'string') : [];
  } catch {
    return [];
  }
}

/**
 * Command history for the input line, shell style: Up walks back through what was
 * sent, Down walks forward and finally returns to the line being typed. With a storage,
 * it is saved on every new line and read back on the next visit.
 */
export class CommandHistory {
  private readonly entries: string[];
  /** index into entries while browsing; entries.length means "the line being typed" */
  private cursor: number;
  private draft = '';
  private readonly limit: number;
  private readonly storage: KeyValueStorage | null;
  private readonly key: string;

  constructor(options: HistoryOptions | number = {}) {
    const opts = typeof options === 'number' ? { limit: options } : options;
    this.limit = Math.max(1, opts.limit ?? 100);
    this.storage = opts.storage ?? null;
    this.key = opts.key ?? DEFAULT_HISTORY_KEY;
    this.entries = load(this.storage, this.key).slice(-this.limit);
    this.cursor = this.entries.length;
  }

  /** Remember a sent line (blank lines and an immediate repeat are not stored). */
  push(line: string): void {
    const trimmed = line.trim();
    if (trimmed !== '' && this.entries[this.entries.length - 1] !== trimmed) {
      this.entries.push(trimmed);
      if (this.entries.length > this.limit) this.entries.shift();
      this.save();
    }
    this.cursor = this.entries.length;
    this.draft = '';
  }

  /** The previous line, or null when already at the oldest. `current` is what is typed now. */
  previous(current: string): string | null {
    if (this.cursor === 0) return null;
    if (this.cursor === this.entries.length) this.draft = current;
    this.cursor -= 1;
    return this.entries[this.cursor] ?? null;
  }

  /** The next line; past the newest, the line that was being typed. Null when not browsing. */
  next(): string | null {
    if (this.cursor >= this.entries.length) return null;
    this.cursor += 1;
    return this.cursor === this.entries.length ? this.draft : (this.entries[this.cursor] ?? null);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The stored lines, oldest first. */
  lines(): readonly string[] {
    return this.entries;
  }

  private save(): void {
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.entries));
    } catch {
      // storage full or disabled: the history still works for this visit
    }
  }
}

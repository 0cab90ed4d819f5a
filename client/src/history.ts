/**
 * Command history for the input line, shell style: Up walks back through what was
 * sent, Down walks forward and finally returns to the line being typed.
 */
export class CommandHistory {
  private readonly entries: string[] = [];
  /** index into entries while browsing; entries.length means "the line being typed" */
  private cursor = 0;
  private draft = '';
  private readonly limit: number;

  constructor(limit = 100) {
    this.limit = Math.max(1, limit);
  }

  /** Remember a sent line (blank lines and an immediate repeat are not stored). */
  push(line: string): void {
    const trimmed = line.trim();
    if (trimmed !== '' && this.entries[this.entries.length - 1] !== trimmed) {
      this.entries.push(trimmed);
      if (this.entries.length > this.limit) this.entries.shift();
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
}

import { describe, expect, it } from 'vitest';
import { CommandOutbox } from './outbox';
import type { ClientCommand } from './protocol';

function command(id: string): ClientCommand {
  return { command: 'say', args: [id], timestamp: 't', command_id: id };
}

describe('CommandOutbox', () => {
  it('is bounded', () => {
    const outbox = new CommandOutbox(2);
    expect(outbox.enqueue(command('a'))).toBe(true);
    expect(outbox.enqueue(command('b'))).toBe(true);
    expect(outbox.enqueue(command('c'))).toBe(false);
    expect(outbox.queuedCount).toBe(2);
  });

  it('gives back unanswered commands first, then the queue, keeping their ids', () => {
    const outbox = new CommandOutbox();
    outbox.sent(command('s1'));
    outbox.sent(command('s2'));
    outbox.answered('s1');
    outbox.enqueue(command('q1'));
    expect(outbox.takeForResend().map((c) => c.command_id)).toEqual(['s2', 'q1']);
    expect(outbox.queuedCount).toBe(0);
    expect(outbox.unansweredCount).toBe(2);
    outbox.answered('s2');
    outbox.answered('q1');
    expect(outbox.takeForResend()).toEqual([]);
  });
});

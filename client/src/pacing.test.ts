import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flush, live, setup } from './connectionTestKit';
import { CommandOutbox } from './outbox';
import { rateRefusal } from './pacing';
import { message, response } from './testMessages';

function refusal(seq: number, commandId: string, retryAfter: number, command = 'say') {
  return message(seq, 'command_response', {
    command,
    command_id: commandId,
    success: false,
    result: 'slow down: at most 10 commands per second (bursts of 20); this one was not run',
    retry_after: retryAfter,
  });
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('rateRefusal', () => {
  it('reads a refusal for the rate, and nothing else', () => {
    expect(rateRefusal(refusal(2, 'c1', 0.25))).toEqual({ commandId: 'c1', retryAfterMs: 250 });
    expect(rateRefusal(response(2, 'c1', 'A square.'))).toBeNull();
    const failedOtherwise = message(2, 'command_response', { command_id: 'c1', success: false, result: 'No.' });
    expect(rateRefusal(failedOtherwise)).toBeNull();
    expect(rateRefusal(refusal(2, '', 0.25))).toBeNull();
  });
});

describe('CommandOutbox.refused', () => {
  it('puts a refused command back at the front of the queue, once', () => {
    const outbox = new CommandOutbox(1);
    const first = { command: 'say', args: ['one'], command_id: 'a', timestamp: '' };
    const second = { command: 'say', args: ['two'], command_id: 'b', timestamp: '' };
    outbox.sent(first);
    expect(outbox.enqueue(second)).toBe(true);
    expect(outbox.refused('a')).toBe(true);
    expect(outbox.refused('a')).toBe(false);
    expect(outbox.unansweredCount).toBe(0);
    expect([outbox.takeNext(), outbox.takeNext(), outbox.takeNext()]).toEqual([first, second, undefined]);
  });
});

describe('GameConnection: the server refuses a command for the rate', () => {
  it('sends it again after retry_after with the same command_id, and paces what was typed meanwhile', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    ctx.connection.send({ command: 'say', args: ['one'] });
    const [one] = socket.commands();
    socket.delivers(refusal(2, one?.command_id ?? '', 0.2));
    expect(ctx.store.getState().log.at(-1)?.text).toBe('Sending it again in 0.2 s; commands typed meanwhile follow it.');
    expect(ctx.connection.send({ command: 'say', args: ['two'] })).toBe('paced');
    expect(ctx.connection.send({ command: 'say', args: ['three'] })).toBe('paced');
    expect(socket.commands()).toHaveLength(1);
    expect(ctx.store.getState().connection.queued).toBe(3);

    await flush(199);
    expect(socket.commands()).toHaveLength(1);
    await flush(1);
    expect(socket.commands().map((c) => c.args)).toEqual([['one'], ['one']]);
    expect(socket.commands()[1]?.command_id).toBe(one?.command_id);
    await flush(200);
    await flush(200);
    expect(socket.commands().map((c) => c.args)).toEqual([['one'], ['one'], ['two'], ['three']]);
    expect(ctx.store.getState().connection.queued).toBe(0);

    // The queue ran dry: commands go out at once again.
    expect(ctx.connection.send({ command: 'look', args: [] })).toBe('sent');
    expect(socket.commands()).toHaveLength(5);
  });

  it('a command refused but not ours to resend (already answered) changes nothing', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    socket.delivers(refusal(2, 'unknown-id', 0.2));
    expect(ctx.connection.send({ command: 'look', args: [] })).toBe('sent');
  });

  it('after a drop, the refused command goes out with the rest once the stream is back', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    ctx.connection.send({ command: 'say', args: ['one'] });
    const [one] = socket.commands();
    socket.delivers(refusal(2, one?.command_id ?? '', 5));
    socket.closes(1006);
    await flush(1000);
    const next = ctx.latest();
    next.opens();
    next.delivers(message(3, 'room_update', { room: { id: 'r', name: 'R' } }));
    expect(next.commands().map((c) => c.command_id)).toEqual([one?.command_id]);
    await flush(5000);
    expect(next.commands()).toHaveLength(1);
  });
});

import type { ClientCommand } from './protocol';

export const MAX_QUEUED_COMMANDS = 50;

/**
 * Commands on their way to the server.
 *
 * - `queued`: typed while there was no live connection, sent in order once there is one
 *   (at most `limit`; more are refused rather than piling up).
 *   A command the server refused for the rate goes back to the front of the queue.
 * - `unanswered`: sent, but no `command_response` with their `command_id` seen yet. After
 *   a reconnect they are sent again with the same id: the server runs each id once and
 *   answers a repeat with the original response.
 */
export class CommandOutbox {
  private readonly queue: ClientCommand[] = [];
  private readonly waiting = new Map<string, ClientCommand>();
  private readonly limit: number;

  constructor(limit = MAX_QUEUED_COMMANDS) {
    this.limit = Math.max(1, limit);
  }

  /** Keep a command for later. False when the queue is full. */
  enqueue(command: ClientCommand): boolean {
    if (this.queue.length >= this.limit) return false;
    this.queue.push(command);
    return true;
  }

  /** A command was written to the socket: wait for its answer. */
  sent(command: ClientCommand): void {
    this.waiting.set(command.command_id, command);
  }

  /** Its `command_response` (or `error`) arrived. */
  answered(commandId: string): void {
    this.waiting.delete(commandId);
  }

  /**
   * The server refused it for the rate without running it: it goes back to the front of
   * the queue (even a full one: it was accepted from the player already). False when it
   * was not waiting for an answer.
   */
  refused(commandId: string): boolean {
    const command = this.waiting.get(commandId);
    if (command === undefined) return false;
    this.waiting.delete(commandId);
    this.queue.unshift(command);
    return true;
  }

  /** The first queued command, taken off the queue to be sent. */
  takeNext(): ClientCommand | undefined {
    return this.queue.shift();
  }

  /**
   * Everything to send on a fresh live connection, in order: first the unanswered
   * commands again, then the queued ones. The queue is emptied; all of them are then
   * waiting for an answer.
   */
  takeForResend(): ClientCommand[] {
    const commands = [...this.waiting.values(), ...this.queue];
    this.queue.length = 0;
    for (const command of commands) this.waiting.set(command.command_id, command);
    return commands;
  }

  get queuedCount(): number {
    return this.queue.length;
  }

  get unansweredCount(): number {
    return this.waiting.size;
  }
}

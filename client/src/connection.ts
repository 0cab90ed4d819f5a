import { ReconnectSchedule } from './backoff';
import type { ConnectionOptions, SocketFactory, SocketLike } from './connectionOptions';
import { closePolicy } from './closeCodes';
import { CLOSE_CODES } from './protocol.generated';
import { toClientCommand, type ParsedLine } from './commandLine';
import type { ConnectionView, GameStore } from './gameStore';
import { CommandOutbox } from './outbox';
import { CommandPacer, MIN_PACE_MS, rateRefusal } from './pacing';
import {
  gameSocketProtocols,
  isControlMessage,
  isObject,
  parseServerMessage,
  PING_FRAME,
  resumeUrl,
  type ClientCommand,
  type ServerMessage,
} from './protocol';
import { MAX_HELD, resumePoint } from './stream';
import { LinkTimers } from './linkTimers';
import { announcedHeartbeatMs } from './timing';

export type { ConnectionOptions, SocketFactory, SocketLike, TokenSource } from './connectionOptions';

export type SendResult = 'sent' | 'paced' | 'queued' | 'full';

const OPEN = 1;
/** Our own close code when we give up on a socket (silent, or a gap that does not heal). */
const CLOSE_CLIENT_RETRY = 4000;

type Phase = 'idle' | 'authorizing' | 'opening' | 'open' | 'live' | 'waiting' | 'stopped';

/**
 * One player's game connection: opens the WebSocket, feeds the stream to the store in
 * order, pings, and when the socket drops reconnects with back-off and resumes the
 * stream where it stopped. Commands typed while offline wait in a bounded queue;
 * commands not yet answered are sent again, with the same command_id, after a reconnect.
 */
export class GameConnection {
  private readonly options: ConnectionOptions;
  private readonly store: GameStore;
  private readonly createSocket: SocketFactory;
  private readonly schedule: ReconnectSchedule;
  private readonly outbox = new CommandOutbox();
  private readonly pacer = new CommandPacer(() => this.sendNextQueued());
  private readonly link: LinkTimers;
  private socket: SocketLike | null = null;
  private phase: Phase = 'idle';
  private generation = 0;
  /** the stream went live at least once: later drops are "reconnecting" */
  private wasLive = false;
  /** a drop was already reported in the log for the current outage */
  private outageReported = false;

  constructor(options: ConnectionOptions) {
    this.options = options;
    this.store = options.store;
    this.createSocket = options.createSocket ?? ((url, protocols) => new WebSocket(url, protocols));
    this.schedule = new ReconnectSchedule(options.backoff);
    this.link = new LinkTimers(
      {
        ping: () => {
          const socket = this.socket;
          if (socket !== null && socket.readyState === OPEN) socket.send(PING_FRAME);
        },
        silent: () => this.retry('silent'),
        gapUnhealed: () => this.retry('gap'),
        lastSeq: () => this.store.getState().stream.lastSeq,
      },
      options,
    );
    this.store.getState().setConnection({ maxAttempts: this.schedule.maxAttempts });
  }

  /** Connect for the first time. */
  start(): void {
    void this.connect();
  }

  /** The Reconnect button: a fresh set of attempts, starting now. */
  reconnectNow(): void {
    if (this.phase === 'stopped') return;
    this.schedule.reset();
    this.outageReported = false;
    void this.connect();
  }

  /** Close for good (log out, leave the page). */
  stop(): void {
    this.phase = 'stopped';
    this.generation += 1;
    this.schedule.cancel();
    this.stopLinkTimers();
    this.detach(1000, 'client closed');
    this.setStatus({ status: 'disconnected', detail: '', retryAt: null, canReconnect: false });
  }

  /** Send a typed command now, or queue it until the connection is back. */
  send(parsed: ParsedLine): SendResult {
    const command = toClientCommand(parsed);
    if (this.phase === 'live' && !this.pacer.pacing && this.write(command)) return 'sent';
    if (!this.outbox.enqueue(command)) return 'full';
    this.setStatus({ queued: this.outbox.queuedCount });
    return this.phase === 'live' ? 'paced' : 'queued';
  }

  get unanswered(): number {
    return this.outbox.unansweredCount;
  }

  /** For the `?e2e=1` test hook: cut the socket as a network failure would. */
  simulateDrop(): void {
    if (this.socket === null) return;
    const opened = this.phase === 'open' || this.phase === 'live';
    this.detach(CLOSE_CLIENT_RETRY, 'simulated drop');
    this.handleClose(1006, opened);
  }

  // -------------------------------------------------------------------------

  private async connect(): Promise<void> {
    this.generation += 1;
    const generation = this.generation;
    this.schedule.cancel();
    this.stopLinkTimers();
    this.detach(1000, 'reconnecting');
    this.phase = 'authorizing';
    this.setStatus({
      status: this.wasLive ? 'reconnecting' : 'connecting',
      retryAt: null,
      canReconnect: false,
      detail: this.wasLive ? 'resuming' : '',
    });
    const token = await this.options.auth.accessToken();
    if (generation !== this.generation) return;
    if (token === null) {
      this.authLost('Your session has ended. Please log in again.');
      return;
    }
    const store = this.store.getState();
    store.forgetHeld();
    const url = resumeUrl(this.options.url, resumePoint(this.store.getState().stream));
    let socket: SocketLike;
    try {
      socket = this.createSocket(url, gameSocketProtocols(token));
    } catch {
      this.handleClose(1006, false);
      return;
    }
    this.phase = 'opening';
    this.socket = socket;
    let opened = false;
    let finished = false;
    const finish = (code: number) => {
      if (finished || this.socket !== socket) return;
      finished = true;
      this.socket = null;
      socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
      this.handleClose(code, opened);
    };
    socket.onopen = () => {
      opened = true;
      this.phase = 'open';
      this.link.start();
    };
    socket.onmessage = (event) => {
      this.receive(event.data);
    };
    // A refused handshake is an error before any open; browsers follow it with close 1006.
    socket.onerror = () => {
      if (!opened) finish(1006);
    };
    socket.onclose = (event) => {
      finish(event.code);
    };
  }

  private receive(raw: unknown): void {
    const message = parseServerMessage(raw);
    const announced = message === null ? null : announcedHeartbeatMs(message);
    if (announced !== null) this.link.heartbeatIntervalMs = announced;
    this.link.touch(this.phase === 'open' || this.phase === 'live');
    if (message === null) {
      this.store.getState().addLine('unknown', 'The server sent something this client cannot read.');
      return;
    }
    if (isControlMessage(message)) {
      this.control(message);
      return;
    }
    const arrival = this.store.getState().ingest(message);
    if (arrival.kind === 'held') {
      this.link.watchGap(Math.max(...this.store.getState().stream.held.keys()));
      if (this.store.getState().stream.held.size > MAX_HELD) this.retry('too far behind');
      return;
    }
    if (arrival.kind !== 'delivered') return;
    let ready = false;
    for (const delivered of arrival.ready) {
      const refusal = rateRefusal(delivered);
      if (refusal !== null && this.outbox.refused(refusal.commandId)) this.paceAfterRefusal(refusal.retryAfterMs);
      else {
        const id = answeredCommandId(delivered);
        if (id !== null) this.outbox.answered(id);
      }
      if (delivered.event_type === 'game_state' || delivered.event_type === 'room_update') ready = true;
    }
    this.link.delivered(this.store.getState().stream.lastSeq);
    if (ready && this.phase === 'open') this.goLive();
  }

  private control(message: ServerMessage): void {
    switch (message.event_type) {
      case 'heartbeat':
        // A number above ours means messages are missing on a live link: the edge heals
        // that itself; if it does not, resume.
        if (message.sequence_number > this.store.getState().stream.lastSeq) {
          this.link.watchGap(message.sequence_number);
        }
        break;
      case 'disconnect': {
        const data = isObject(message.data) ? message.data : {};
        const reason = typeof data['reason'] === 'string' ? data['reason'] : '';
        if (reason !== '') this.store.getState().addLine('system', `The server is closing the connection: ${reason}.`);
        break;
      }
      default:
        break; // pong: the link.touch() above is all it is for
    }
  }

  /** The stream is flowing: report it and send what was waiting. */
  private goLive(): void {
    this.phase = 'live';
    const resumed = this.wasLive;
    this.wasLive = true;
    this.outageReported = false;
    this.schedule.succeeded();
    const pending = this.outbox.takeForResend();
    for (const command of pending) this.write(command);
    this.setStatus({
      status: 'connected',
      detail: '',
      attempt: 0,
      retryAt: null,
      canReconnect: false,
      queued: this.outbox.queuedCount,
    });
    if (resumed) {
      const note = pending.length > 0 ? ` ${pending.length} command(s) sent.` : '';
      this.store.getState().addLine('system', `Reconnected.${note}`);
    }
  }

  private handleClose(code: number, opened: boolean): void {
    this.stopLinkTimers();
    if (this.phase === 'stopped') return;
    this.phase = 'waiting';
    const policy = closePolicy(code);
    if (!this.outageReported) {
      this.outageReported = true;
      const message = this.wasLive || opened ? policy.message : 'Could not reach the game server.';
      this.store.getState().addLine('system', message);
    }
    if (!opened || policy.reauthenticate) {
      // A refused handshake (HTTP 403) and a network failure look the same from here:
      // ask the auth service whether the token is still good, and renew it if not.
      const generation = this.generation;
      const check = policy.reauthenticate ? this.options.auth.refresh() : this.options.auth.recheck();
      void check.then((outcome) => {
        if (generation !== this.generation || this.phase !== 'waiting') return;
        if (outcome === 'rejected') this.authLost('Your session has ended. Please log in again.');
        else this.scheduleReconnect(policy.immediate, policy.minDelayMs);
      });
      return;
    }
    if (!policy.reconnect) {
      this.setStatus({
        status: 'disconnected',
        detail: code === CLOSE_CODES.SESSION_REPLACED ? 'playing elsewhere' : '',
        retryAt: null,
        canReconnect: true,
      });
      return;
    }
    this.scheduleReconnect(policy.immediate, policy.minDelayMs);
  }

  private scheduleReconnect(immediate: boolean, minDelayMs: number): void {
    const delay = this.schedule.schedule(() => void this.connect(), { immediate, minDelayMs });
    if (delay === null) {
      this.store
        .getState()
        .addLine('system', `Could not reconnect after ${this.schedule.maxAttempts} attempts. Press Reconnect to try again.`);
      this.setStatus({ status: 'disconnected', detail: 'gave up', retryAt: null, canReconnect: true });
      return;
    }
    this.setStatus({
      status: this.wasLive ? 'reconnecting' : 'connecting',
      detail: '',
      attempt: this.schedule.attempts,
      retryAt: this.schedule.nextAttemptAt,
      canReconnect: true,
    });
  }

  private authLost(message: string): void {
    this.stop();
    this.options.onAuthLost(message);
  }

  /** Give up on this socket and reconnect (resuming). */
  private retry(reason: string): void {
    if (this.socket === null) return;
    this.detach(CLOSE_CLIENT_RETRY, reason);
    this.handleClose(1006, true);
  }

  /** Refused for the rate: send it again, and what follows it, `retry_after` apart. */
  private paceAfterRefusal(retryAfterMs: number): void {
    if (!this.pacer.pacing) {
      const seconds = (Math.max(retryAfterMs, MIN_PACE_MS) / 1000).toFixed(1);
      this.store.getState().addLine('system', `Sending it again in ${seconds} s; commands typed meanwhile follow it.`);
    }
    this.pacer.refused(retryAfterMs);
    this.setStatus({ queued: this.outbox.queuedCount });
  }

  /** One paced command out; true while more wait. Off the live link, goLive sends them. */
  private sendNextQueued(): boolean {
    if (this.phase !== 'live') return false;
    const next = this.outbox.takeNext();
    if (next !== undefined) this.write(next);
    this.setStatus({ queued: this.outbox.queuedCount });
    return this.outbox.queuedCount > 0;
  }

  private write(command: ClientCommand): boolean {
    const socket = this.socket;
    if (socket === null || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(command));
    this.outbox.sent(command);
    return true;
  }

  private stopLinkTimers(): void {
    this.link.stop();
    this.pacer.stop();
  }

  private setStatus(changes: Partial<ConnectionView>): void {
    this.store.getState().setConnection(changes);
  }

  /** Forget the current socket so its late events change nothing, and close it. */
  private detach(code: number, reason: string): void {
    const socket = this.socket;
    if (socket === null) return;
    socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
    this.socket = null;
    if (socket.readyState === 0 || socket.readyState === OPEN) {
      try {
        socket.close(code, reason);
      } catch {
        // already closing
      }
    }
  }
}

/** The command a stream message answers, if any. */
function answeredCommandId(message: ServerMessage): string | null {
  if (message.event_type !== 'command_response' && message.event_type !== 'error') return null;
  if (!isObject(message.data)) return null;
  const id = message.data['command_id'];
  return typeof id === 'string' && id !== '' ? id : null;
}

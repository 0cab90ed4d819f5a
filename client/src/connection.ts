import { gameSocketProtocols, parseServerMessage, type ClientCommand } from './protocol';
import type { GameStore } from './store';

/** The part of the browser's WebSocket this client uses (so tests can pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string, protocols: string[]) => SocketLike;

const OPEN = 1;

/** What to do after the server closed the socket with a given code. */
export interface ClosePolicy {
  /** try to connect again (after a pause) */
  reconnect: boolean;
  /** the token is no good any more: back to the login form */
  relogin: boolean;
  /** a line for the log */
  message: string;
}

/** The close codes from docs/protocol.md, and what this client does about each. */
export function closePolicy(code: number): ClosePolicy {
  switch (code) {
    case 1000:
      return { reconnect: false, relogin: false, message: 'The connection was closed.' };
    case 1008:
      return {
        reconnect: false,
        relogin: true,
        message: 'The server refused your credentials. Please log in again.',
      };
    case 1013:
      return {
        reconnect: true,
        relogin: false,
        message: 'Your character could not be loaded just now. Trying again shortly.',
      };
    case 4001:
      return {
        reconnect: false,
        relogin: false,
        message: 'You connected from somewhere else; this window has let go of your character.',
      };
    case 4008:
      return {
        reconnect: true,
        relogin: false,
        message: 'Too many messages were waiting for you. Reconnecting.',
      };
    default:
      return { reconnect: true, relogin: false, message: 'The connection to Arkham was lost.' };
  }
}

/** Pause before reconnect attempt `attempt` (1, 2, ...): 1 s, 2 s, 4 s ... at most 15 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(15_000, 1000 * 2 ** Math.max(0, attempt - 1));
}

export interface ConnectionOptions {
  url: string;
  token: string;
  /** when the token expires (ms since the epoch); an expired token is not retried */
  tokenExpiresAt: number;
  store: GameStore;
  /** called when only a new login can help (token refused or expired) */
  onAuthLost?: (message: string) => void;
  createSocket?: SocketFactory;
  maxReconnectAttempts?: number;
  now?: () => number;
  setTimer?: (callback: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/**
 * One game connection: opens the WebSocket with the token, feeds every message to
 * the store, keeps the connection status current and reconnects when that can help.
 */
export class GameConnection {
  private readonly options: ConnectionOptions;
  private readonly createSocket: SocketFactory;
  private readonly now: () => number;
  private readonly setTimer: (callback: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly maxAttempts: number;
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private attempts = 0;
  private stopped = false;

  constructor(options: ConnectionOptions) {
    this.options = options;
    this.createSocket =
      options.createSocket ?? ((url, protocols) => new WebSocket(url, protocols));
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((callback, ms) => setTimeout(callback, ms));
    this.clearTimer =
      options.clearTimer ??
      ((handle) => {
        clearTimeout(handle as ReturnType<typeof setTimeout>);
      });
    this.maxAttempts = options.maxReconnectAttempts ?? 6;
  }

  /** The "Reconnect" button: start again with a fresh set of attempts. */
  reconnectNow(): void {
    this.attempts = 0;
    this.connect();
  }

  /** Open the connection (again). */
  connect(): void {
    this.stopped = false;
    this.cancelTimer();
    this.detach();
    if (this.tokenExpired()) {
      this.authLost('Your session has expired. Please log in again.');
      return;
    }
    const { store } = this.options;
    store.beginStream();
    store.setStatus('connecting');
    let socket: SocketLike;
    try {
      socket = this.createSocket(this.options.url, gameSocketProtocols(this.options.token));
    } catch {
      store.setStatus('disconnected', 'could not open a connection');
      store.addLocal('system', 'Could not open a connection to the server.');
      return;
    }
    this.socket = socket;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      store.setStatus('connected');
    };
    socket.onmessage = (event) => {
      const message = parseServerMessage(event.data);
      if (message === null) {
        store.addLocal('unknown', 'The server sent something this client cannot read.');
        return;
      }
      if (message.event_type === 'game_state') this.attempts = 0;
      store.receive(message);
    };
    let finished = false;
    const finish = (code: number) => {
      if (finished || this.socket !== socket) return;
      finished = true;
      this.detach();
      this.handleClose(code, opened);
    };
    // A refused handshake is an error before any open. Browsers follow it with a close
    // (code 1006); some runtimes never do, so it ends the attempt here. After the open,
    // the close event carries the details.
    socket.onerror = () => {
      if (!opened) finish(1006);
    };
    socket.onclose = (event) => {
      finish(event.code);
    };
  }

  /** Send a command. Returns false when there is no open connection. */
  send(command: ClientCommand): boolean {
    const socket = this.socket;
    if (socket === null || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(command));
    return true;
  }

  /** Close for good (logging out, leaving the page). */
  stop(): void {
    this.stopped = true;
    this.cancelTimer();
    this.detach('client closed');
    this.options.store.setStatus('disconnected');
  }

  private handleClose(code: number, opened: boolean): void {
    const { store } = this.options;
    if (this.stopped) return;
    if (!opened && this.tokenExpired()) {
      // A refused handshake looks like an abnormal close (1006); an old token explains it.
      store.setStatus('disconnected', 'session expired');
      this.authLost('Your session has expired. Please log in again.');
      return;
    }
    const policy = closePolicy(code);
    store.addLocal('system', policy.message);
    if (policy.relogin) {
      store.setStatus('disconnected', 'credentials refused');
      this.authLost(policy.message);
      return;
    }
    if (!policy.reconnect) {
      store.setStatus('disconnected', code === 4001 ? 'opened elsewhere' : '');
      return;
    }
    if (this.attempts >= this.maxAttempts) {
      store.addLocal('system', 'Giving up for now. Press Reconnect to try again, or log in again.');
      store.setStatus('disconnected', 'gave up');
      return;
    }
    this.attempts += 1;
    const delay = reconnectDelay(this.attempts);
    store.setStatus('disconnected', `retrying in ${Math.round(delay / 1000)} s`);
    this.timer = this.setTimer(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }

  private tokenExpired(): boolean {
    return this.now() >= this.options.tokenExpiresAt;
  }

  private authLost(message: string): void {
    this.stopped = true;
    this.options.onAuthLost?.(message);
  }

  private cancelTimer(): void {
    if (this.timer !== null) {
      this.clearTimer(this.timer);
      this.timer = null;
    }
  }

  /** Forget the current socket so its late events change nothing. */
  private detach(reason = 'reconnecting'): void {
    const socket = this.socket;
    if (socket === null) return;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onerror = null;
    socket.onclose = null;
    this.socket = null;
    if (socket.readyState === 0 || socket.readyState === OPEN) {
      try {
        socket.close(1000, reason);
      } catch {
        // already closing
      }
    }
  }
}

import type { RefreshOutcome } from './authSession';
import type { BackoffOptions } from './backoff';
import type { GameStore } from './gameStore';

/** The part of the browser's WebSocket this client uses (tests pass a fake). */
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

/** What the connection needs from the login (see AuthSession). */
export interface TokenSource {
  accessToken(): Promise<string | null>;
  /** the handshake failed: is the token to blame? renew it if so */
  recheck(): Promise<RefreshOutcome>;
  refresh(): Promise<RefreshOutcome>;
}

export interface ConnectionOptions {
  /** `ws(s)://<origin>/api/ws`; resume parameters are added to it */
  url: string;
  store: GameStore;
  auth: TokenSource;
  /** only a new login can help now */
  onAuthLost: (message: string) => void;
  createSocket?: SocketFactory;
  backoff?: BackoffOptions;
  /** send `{"command":"ping"}` this often (ms) */
  pingIntervalMs?: number;
  /** nothing at all received for this long: the link is dead, reconnect (ms); by default
   * it follows the heartbeat interval the server announces */
  silenceTimeoutMs?: number;
  /** a gap the edge has not healed after this long: reconnect and resume (ms) */
  gapTimeoutMs?: number;
}

/** `paced`: queued behind a command the server refused for the rate, sent shortly. */

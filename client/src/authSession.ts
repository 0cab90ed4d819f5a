import {
  AuthError,
  checkAccessToken,
  logout as logoutRequest,
  refreshTokens,
  type FetchLike,
  type TokenGrant,
} from './auth';
import type { KeyValueStorage } from './history';
import { isObject } from './protocol';

/** What is kept for this tab (sessionStorage), so a reload does not ask for the password. */
export interface StoredSession extends TokenGrant {
  username: string;
  /** when the access token was issued (Date.now() ms): its lifetime sets the refresh lead */
  issuedAt: number;
}

export const SESSION_KEY = 'mythos.session';
/** Refresh this long before the access token expires, or a quarter of its life if shorter. */
export const REFRESH_LEAD_MS = 60_000;
/** After a refresh that could not reach the server, try again this much later. */
export const REFRESH_RETRY_MS = 10_000;

export type RefreshOutcome = 'ok' | 'rejected' | 'unreachable';

export function loadSession(storage: KeyValueStorage | null): StoredSession | null {
  if (storage === null) return null;
  try {
    const value: unknown = JSON.parse(storage.getItem(SESSION_KEY) ?? 'null');
    if (!isObject(value)) return null;
    const { username, accessToken, refreshToken, expiresAt, issuedAt } = value;
    if (typeof username !== 'string' || typeof accessToken !== 'string') return null;
    if (typeof expiresAt !== 'number' || typeof issuedAt !== 'number') return null;
    if (refreshToken !== null && typeof refreshToken !== 'string') return null;
    return { username, accessToken, refreshToken, expiresAt, issuedAt };
  } catch {
    return null;
  }
}

export interface AuthSessionOptions {
  storage?: (KeyValueStorage & { removeItem(key: string): void }) | null;
  fetchFn?: FetchLike;
  now?: () => number;
  /** the login is over (refresh refused, or the token ran out with nothing to renew it) */
  onEnded?: (message: string) => void;
}

/** The refresh lead for a token that lives `lifetimeMs`. */
export function refreshLead(lifetimeMs: number): number {
  return Math.max(0, Math.min(REFRESH_LEAD_MS, lifetimeMs / 4));
}

/**
 * The logged-in player's tokens: kept in sessionStorage, renewed through
 * `POST /auth/refresh` before the access token expires, one refresh at a time (a refresh
 * token works once; sending it twice would end the login everywhere).
 */
export class AuthSession {
  private current: StoredSession;
  private readonly storage: AuthSessionOptions['storage'];
  private readonly fetchFn: FetchLike | undefined;
  private readonly now: () => number;
  private onEnded: (message: string) => void;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<RefreshOutcome> | null = null;
  private ended = false;

  constructor(session: StoredSession, options: AuthSessionOptions = {}) {
    this.current = session;
    this.storage = options.storage ?? null;
    this.fetchFn = options.fetchFn;
    this.now = options.now ?? Date.now;
    this.onEnded = options.onEnded ?? (() => {});
    this.save();
  }

  /** A session from a fresh login. */
  static fromGrant(username: string, grant: TokenGrant, options: AuthSessionOptions = {}): AuthSession {
    const now = (options.now ?? Date.now)();
    return new AuthSession({ ...grant, username, issuedAt: now }, options);
  }

  get username(): string {
    return this.current.username;
  }

  get tokens(): Readonly<StoredSession> {
    return this.current;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** When the next automatic refresh is due (Date.now() ms). */
  refreshDueAt(): number {
    const lifetime = this.current.expiresAt - this.current.issuedAt;
    return this.current.expiresAt - refreshLead(lifetime);
  }

  /** Keep the tokens fresh in the background until `stop`; `onEnded` hears if the login ends. */
  start(onEnded?: (message: string) => void): void {
    if (onEnded !== undefined) this.onEnded = onEnded;
    if (this.ended) return;
    this.schedule(Math.max(0, this.refreshDueAt() - this.now()));
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** An access token good for a while yet (refreshing first if it is about to expire). */
  async accessToken(): Promise<string | null> {
    if (this.ended) return null;
    if (this.now() >= this.refreshDueAt()) {
      const outcome = await this.refresh();
      if (outcome === 'rejected') return null;
    }
    return this.ended ? null : this.current.accessToken;
  }

  /**
   * The WebSocket handshake failed: find out whether the token is to blame (`GET
   * /auth/me`) and renew it if so. 'unreachable' means: keep retrying as for any outage.
   */
  async recheck(): Promise<RefreshOutcome> {
    if (this.ended) return 'rejected';
    const verdict = await checkAccessToken(this.current.accessToken, this.fetchFn);
    if (verdict !== 'rejected') return verdict;
    return this.refresh();
  }

  /** Renew the tokens now. Concurrent callers share one request. */
  refresh(): Promise<RefreshOutcome> {
    if (this.ended) return Promise.resolve('rejected');
    this.inFlight ??= this.doRefresh().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Log out on the server (best effort) and forget the tokens. */
  async logout(): Promise<void> {
    const { accessToken, refreshToken } = this.current;
    this.finish();
    await logoutRequest(accessToken, refreshToken, this.fetchFn);
  }

  private async doRefresh(): Promise<RefreshOutcome> {
    const token = this.current.refreshToken;
    if (token === null) {
      if (this.now() < this.current.expiresAt) return 'ok';
      this.end('Your session has expired. Please log in again.');
      return 'rejected';
    }
    try {
      const grant = await refreshTokens(token, this.fetchFn, this.now);
      if (this.ended) return 'rejected';
      this.current = { ...this.current, ...grant, issuedAt: this.now() };
      this.save();
      if (this.timer !== null) this.start();
      return 'ok';
    } catch (error) {
      if (error instanceof AuthError && error.status === 401) {
        this.end('Your session has ended. Please log in again.');
        return 'rejected';
      }
      if (error instanceof AuthError && error.status === 403) {
        // Banned or disabled: retrying would not help; the server says why.
        this.end(error.message);
        return 'rejected';
      }
      if (this.timer !== null) this.schedule(REFRESH_RETRY_MS);
      return 'unreachable';
    }
  }

  private schedule(delay: number): void {
    this.stop();
    this.timer = setTimeout(() => {
      void this.refresh();
    }, delay);
  }

  private end(message: string): void {
    if (this.ended) return;
    this.finish();
    this.onEnded(message);
  }

  private finish(): void {
    this.ended = true;
    this.stop();
    try {
      this.storage?.removeItem(SESSION_KEY);
    } catch {
      // storage disabled
    }
  }

  private save(): void {
    try {
      this.storage?.setItem(SESSION_KEY, JSON.stringify(this.current));
    } catch {
      // storage disabled: the session lasts as long as the page
    }
  }
}

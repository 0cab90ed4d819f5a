import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AuthSession, loadSession, refreshLead, SESSION_KEY, type StoredSession } from './authSession';

class MemoryStorage {
  readonly data = new Map<string, string>();
  getItem(key: string) {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.data.set(key, value);
  }
  removeItem(key: string) {
    this.data.delete(key);
  }
}

function grantResponse(access: string, refresh: string, expiresIn = 900) {
  return new Response(JSON.stringify({ access_token: access, refresh_token: refresh, expires_in: expiresIn, token_type: 'bearer', refresh_expires_in: 9999 }), {
    status: 200,
    headers: { 'Content-Type': 'application/json' },
  });
}

function session(overrides: Partial<StoredSession> = {}): StoredSession {
  return { username: 'alice', accessToken: 'a1', refreshToken: 'r1', issuedAt: 0, expiresAt: 900_000, ...overrides };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('AuthSession', () => {
  it('keeps the tokens in the storage and reads them back (a page reload)', () => {
    const storage = new MemoryStorage();
    new AuthSession(session(), { storage });
    expect(loadSession(storage)).toEqual(session());
    storage.setItem(SESSION_KEY, '{"username": 1}');
    expect(loadSession(storage)).toBeNull();
    storage.setItem(SESSION_KEY, 'not json');
    expect(loadSession(storage)).toBeNull();
  });

  it('refreshes a minute before expiry, then again before the new expiry', async () => {
    const storage = new MemoryStorage();
    const fetchFn = vi.fn(async (_path: string, _init: RequestInit) =>
      grantResponse(`a${fetchFn.mock.calls.length + 1}`, `r${fetchFn.mock.calls.length + 1}`),
    );
    const auth = new AuthSession(session(), { storage, fetchFn });
    auth.start();
    await vi.advanceTimersByTimeAsync(839_999);
    expect(fetchFn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fetchFn).toHaveBeenCalledOnce();
    expect(JSON.parse(String(fetchFn.mock.calls[0]?.[1].body))).toEqual({ refresh_token: 'r1' });
    expect(auth.tokens).toMatchObject({ accessToken: 'a2', refreshToken: 'r2', expiresAt: 840_000 + 900_000 });
    expect(loadSession(storage)?.accessToken).toBe('a2');
    await vi.advanceTimersByTimeAsync(840_000);
    expect(fetchFn).toHaveBeenCalledTimes(2);
    expect(JSON.parse(String(fetchFn.mock.calls[1]?.[1].body))).toEqual({ refresh_token: 'r2' });
    auth.stop();
  });

  it('uses a quarter of a short lifetime as the lead', () => {
    expect(refreshLead(900_000)).toBe(60_000);
    expect(refreshLead(40_000)).toBe(10_000);
  });

  it('sends one refresh for concurrent callers (a refresh token works once)', async () => {
    let release: (response: Response) => void = () => {};
    const fetchFn = vi.fn(() => new Promise<Response>((resolve) => (release = resolve)));
    const auth = new AuthSession(session(), { fetchFn });
    const both = Promise.all([auth.refresh(), auth.refresh()]);
    release(grantResponse('a2', 'r2'));
    expect(await both).toEqual(['ok', 'ok']);
    expect(fetchFn).toHaveBeenCalledOnce();
  });

  it('refreshes before handing out a token that is about to expire', async () => {
    const fetchFn = vi.fn(async () => grantResponse('a2', 'r2'));
    const auth = new AuthSession(session({ issuedAt: -870_000, expiresAt: 30_000 }), { fetchFn });
    expect(await auth.accessToken()).toBe('a2');
    const fresh = new AuthSession(session(), { fetchFn });
    expect(await fresh.accessToken()).toBe('a1');
    expect(fetchFn).toHaveBeenCalledOnce();
  });

  it('ends the session when the refresh is refused, and clears the storage', async () => {
    const storage = new MemoryStorage();
    const onEnded = vi.fn();
    const fetchFn = vi.fn(async () => new Response(JSON.stringify({ detail: 'revoked' }), { status: 401 }));
    const auth = new AuthSession(session(), { storage, fetchFn });
    auth.start(onEnded);
    expect(await auth.refresh()).toBe('rejected');
    expect(onEnded).toHaveBeenCalledOnce();
    expect(storage.getItem(SESSION_KEY)).toBeNull();
    expect(await auth.accessToken()).toBeNull();
  });

  it('ends the session with the reason when the account is banned', async () => {
    const onEnded = vi.fn();
    const body = JSON.stringify({ detail: 'this account is banned until 2030-01-01T00:00:00Z' });
    const fetchFn = vi.fn(async () => new Response(body, { status: 403 }));
    const auth = new AuthSession(session(), { fetchFn });
    auth.start(onEnded);
    expect(await auth.refresh()).toBe('rejected');
    expect(onEnded).toHaveBeenCalledOnce();
    expect(String(onEnded.mock.calls[0])).toContain('banned until 2030');
    await vi.advanceTimersByTimeAsync(900_000);
    expect(fetchFn).toHaveBeenCalledOnce(); // no retries
  });

  it('retries a refresh that could not reach the server', async () => {
    const fetchFn = vi
      .fn<() => Promise<Response>>()
      .mockRejectedValueOnce(new TypeError('offline'))
      .mockResolvedValueOnce(grantResponse('a2', 'r2'));
    const auth = new AuthSession(session(), { fetchFn });
    auth.start();
    await vi.advanceTimersByTimeAsync(840_000);
    expect(auth.tokens.accessToken).toBe('a1');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(auth.tokens.accessToken).toBe('a2');
    auth.stop();
  });

  it('recheck: a token /auth/me refuses is renewed', async () => {
    const fetchFn = vi.fn(async (path: string) =>
      path === '/auth/me' ? new Response('{}', { status: 401 }) : grantResponse('a2', 'r2'),
    );
    const auth = new AuthSession(session(), { fetchFn });
    expect(await auth.recheck()).toBe('ok');
    expect(fetchFn.mock.calls.map((call) => call[0])).toEqual(['/auth/me', '/auth/refresh']);
    expect(auth.tokens.accessToken).toBe('a2');
  });

  it('logout forgets the tokens and tells the server', async () => {
    const storage = new MemoryStorage();
    const fetchFn = vi.fn(async (_path: string, _init: RequestInit) => new Response(null, { status: 204 }));
    const auth = new AuthSession(session(), { storage, fetchFn });
    await auth.logout();
    expect(storage.getItem(SESSION_KEY)).toBeNull();
    expect(fetchFn.mock.calls[0]?.[0]).toBe('/auth/logout');
    expect(auth.isEnded).toBe(true);
  });
});

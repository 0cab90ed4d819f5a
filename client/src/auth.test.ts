import { describe, expect, it, vi } from 'vitest';
import { AuthError, checkAccessToken, describeAuthError, login, logout, parseRetryAfter, refreshTokens, register, tokenRole } from './auth';

function respond(status: number, body: unknown, headers: Record<string, string> = {}) {
  return vi.fn(async (_input: string, _init: RequestInit) =>
    new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
    }),
  );
}

async function failureOf(promise: Promise<unknown>): Promise<AuthError> {
  const failure = await promise.catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(AuthError);
  return failure as AuthError;
}

describe('describeAuthError', () => {
  it('words the common refusals', () => {
    expect(describeAuthError(401, { detail: 'invalid username or password' })).toBe('Wrong name or password.');
    expect(describeAuthError(409, { detail: 'username is taken' })).toBe('That name is already taken. Choose another.');
    expect(describeAuthError(429, { detail: 'too many' })).toMatch(/Too many attempts/);
  });

  it('shows the reason for a weak password or a bad name as a sentence', () => {
    expect(describeAuthError(422, { detail: 'password must be at least 8 characters' })).toBe(
      'Password must be at least 8 characters.',
    );
    const body = { detail: [{ msg: 'Field required' }, { msg: 'too short' }] };
    expect(describeAuthError(422, body)).toBe('Field required; too short.');
  });

  it('falls back to the status when there is no usable detail', () => {
    expect(describeAuthError(418, null)).toBe('The request failed (HTTP 418).');
    expect(describeAuthError(502, 'Bad Gateway')).toMatch(/HTTP 502/);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('12')).toBe(12);
    expect(parseRetryAfter('0')).toBe(1);
    expect(parseRetryAfter(new Date(70_000).toUTCString(), 10_000)).toBe(60);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });
});

describe('login', () => {
  it('posts the name and password and returns both tokens with the expiry', async () => {
    const fetchFn = respond(200, { access_token: 'tok', token_type: 'bearer', expires_in: 900, refresh_token: 'r1' });
    const grant = await login('alice', 'secret123', fetchFn, () => 1_000);
    expect(grant).toEqual({ accessToken: 'tok', refreshToken: 'r1', expiresAt: 901_000 });
    const [path, init] = fetchFn.mock.calls[0] ?? [];
    expect(path).toBe('/auth/login');
    expect(init?.method).toBe('POST');
    expect(JSON.parse(String(init?.body))).toEqual({ username: 'alice', password: 'secret123' });
  });

  it('works with a server that issues no refresh token', async () => {
    const grant = await login('alice', 'x', respond(200, { access_token: 'tok', expires_in: 60 }), () => 0);
    expect(grant).toEqual({ accessToken: 'tok', refreshToken: null, expiresAt: 60_000 });
  });

  it('says how long to wait when throttled (429 + Retry-After)', async () => {
    const fetchFn = respond(429, { detail: 'too many login attempts; try again in 42 s', retry_after: 42 }, { 'Retry-After': '42' });
    const failure = await failureOf(login('alice', 'x', fetchFn));
    expect(failure.status).toBe(429);
    expect(failure.retryAfter).toBe(42);
  });

  it('falls back to retry_after in the body', async () => {
    const failure = await failureOf(login('alice', 'x', respond(429, { detail: 'slow down', retry_after: 7 })));
    expect(failure.retryAfter).toBe(7);
  });

  it('explains an unreachable server and a body that is not JSON', async () => {
    const unreachable = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect((await failureOf(login('alice', 'x', unreachable))).status).toBe(0);
    const html = vi.fn(async () => new Response('<html>oops</html>', { status: 500 }));
    await expect(login('alice', 'x', html)).rejects.toThrow(/HTTP 500/);
  });
});

describe('register', () => {
  it('resolves on 201', async () => {
    const fetchFn = respond(201, { user_id: 'u1', username: 'alice' });
    await expect(register('alice', 'secret123', fetchFn)).resolves.toBeUndefined();
    expect(fetchFn.mock.calls[0]?.[0]).toBe('/auth/register');
  });

  it('says the name is taken on 409', async () => {
    await expect(register('alice', 'secret123', respond(409, { detail: 'username is taken' }))).rejects.toThrow(
      'That name is already taken',
    );
  });
});

describe('refreshTokens', () => {
  it('posts {refresh_token} and returns the new pair', async () => {
    const fetchFn = respond(200, { access_token: 'a2', refresh_token: 'r2', expires_in: 900, refresh_expires_in: 1 });
    expect(await refreshTokens('r1', fetchFn, () => 0)).toEqual({ accessToken: 'a2', refreshToken: 'r2', expiresAt: 900_000 });
    const [path, init] = fetchFn.mock.calls[0] ?? [];
    expect(path).toBe('/auth/refresh');
    expect(JSON.parse(String(init?.body))).toEqual({ refresh_token: 'r1' });
  });

  it('throws with status 401 for a refused refresh token', async () => {
    expect((await failureOf(refreshTokens('old', respond(401, { detail: 'refresh token reused' })))).status).toBe(401);
  });
});

describe('checkAccessToken and logout', () => {
  it('asks /auth/me with the bearer token', async () => {
    const fetchFn = respond(200, { user_id: 'u', username: 'alice', role: 'player' });
    expect(await checkAccessToken('tok', fetchFn)).toBe('ok');
    expect(fetchFn.mock.calls[0]?.[0]).toBe('/auth/me');
    expect(new Headers(fetchFn.mock.calls[0]?.[1].headers).get('Authorization')).toBe('Bearer tok');
    expect(await checkAccessToken('tok', respond(401, { detail: 'expired' }))).toBe('rejected');
    expect(await checkAccessToken('tok', respond(502, null))).toBe('unreachable');
  });

  it('logs out with the refresh token and the bearer token, and never throws', async () => {
    const fetchFn = respond(204, undefined);
    await logout('tok', 'r1', fetchFn);
    const [path, init] = fetchFn.mock.calls[0] ?? [];
    expect(path).toBe('/auth/logout');
    expect(JSON.parse(String(init?.body))).toEqual({ refresh_token: 'r1' });
    await expect(logout('tok', null, vi.fn(async () => Promise.reject(new Error('down'))))).resolves.toBeUndefined();
  });
});

describe('tokenRole', () => {
  const token = (claims: object) =>
    `h.${btoa(JSON.stringify(claims)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}.sig`;

  it('reads the role claim of an access token', () => {
    expect(tokenRole(token({ sub: 'p1', name: 'Alice', role: 'admin' }))).toBe('admin');
    expect(tokenRole(token({ sub: 'p1', role: 'player', note: '??>>' }))).toBe('player');
  });

  it('gives null for a token it cannot read', () => {
    expect(tokenRole('opaque')).toBeNull();
    expect(tokenRole('h.!!!.s')).toBeNull();
    expect(tokenRole(token({ sub: 'p1' }))).toBeNull();
  });
});

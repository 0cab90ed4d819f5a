import { describe, expect, it, vi } from 'vitest';
import { AuthError, describeAuthError, login, register } from './auth';

function respond(status: number, body: unknown) {
  return vi.fn(async (_input: string, _init: RequestInit) =>
    new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' },
    }),
  );
}

describe('describeAuthError', () => {
  it('shows a string detail as is', () => {
    expect(describeAuthError(409, { detail: 'username is taken' })).toBe('username is taken');
  });

  it('joins the msg fields of a list detail', () => {
    const body = {
      detail: [
        { loc: ['body', 'username'], msg: 'Field required', type: 'missing' },
        { loc: ['body', 'password'], msg: 'String should have at least 8 characters' },
      ],
    };
    expect(describeAuthError(422, body)).toBe(
      'Field required; String should have at least 8 characters',
    );
  });

  it('falls back to the status when there is no usable detail', () => {
    expect(describeAuthError(418, null)).toBe('The request failed (HTTP 418).');
    expect(describeAuthError(422, { detail: [{ nope: 1 }] })).toBe('The request failed (HTTP 422).');
    expect(describeAuthError(502, 'Bad Gateway')).toMatch(/HTTP 502/);
  });
});

describe('login', () => {
  it('posts the name and password and returns the token with its expiry', async () => {
    const fetchFn = respond(200, { access_token: 'tok', token_type: 'bearer', expires_in: 900 });
    const session = await login('alice', 'secret123', fetchFn, () => 1_000);
    expect(session).toEqual({ token: 'tok', expiresAt: 901_000 });
    const [path, init] = fetchFn.mock.calls[0] ?? [];
    expect(path).toBe('/auth/login');
    expect(init?.method).toBe('POST');
    expect(JSON.parse(String(init?.body))).toEqual({ username: 'alice', password: 'secret123' });
  });

  it('throws the server detail on 401', async () => {
    const fetchFn = respond(401, { detail: 'invalid username or password' });
    await expect(login('alice', 'wrong', fetchFn)).rejects.toThrow('invalid username or password');
  });

  it('explains an unreachable server', async () => {
    const fetchFn = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const failure = await login('alice', 'x', fetchFn).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AuthError);
    expect((failure as AuthError).status).toBe(0);
  });

  it('copes with a body that is not JSON', async () => {
    const fetchFn = vi.fn(async () => new Response('<html>oops</html>', { status: 500 }));
    await expect(login('alice', 'x', fetchFn)).rejects.toThrow(/HTTP 500/);
  });
});

describe('register', () => {
  it('resolves on 201', async () => {
    const fetchFn = respond(201, { user_id: 'u1', username: 'alice' });
    await expect(register('alice', 'secret123', fetchFn)).resolves.toBeUndefined();
    expect(fetchFn.mock.calls[0]?.[0]).toBe('/auth/register');
  });

  it('throws "username is taken" on 409', async () => {
    const fetchFn = respond(409, { detail: 'username is taken' });
    await expect(register('alice', 'secret123', fetchFn)).rejects.toThrow('username is taken');
  });
});

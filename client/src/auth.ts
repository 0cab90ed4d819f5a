import { isObject } from './protocol';

/** Tokens from login or refresh (`POST /auth/login`, `POST /auth/refresh`). */
export interface TokenGrant {
  accessToken: string;
  /** null when the server does not issue refresh tokens */
  refreshToken: string | null;
  /** when the access token stops being accepted (Date.now() ms) */
  expiresAt: number;
}

/** A failed request, with a message fit to show the player. */
export class AuthError extends Error {
  /** the HTTP status, or 0 when the server could not be reached */
  readonly status: number;
  /** for 429: seconds to wait before trying again */
  readonly retryAfter: number | null;

  constructor(message: string, status: number, retryAfter: number | null = null) {
    super(message);
    this.name = 'AuthError';
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

const defaultFetch: FetchLike = (input, init) => fetch(input, init);

/** `Retry-After` in seconds (or an HTTP date) -> whole seconds to wait, at least 1. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.max(1, Number.parseInt(trimmed, 10));
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(1, Math.ceil((date - now) / 1000));
}

function detailOf(body: unknown): string | null {
  const detail = isObject(body) ? body['detail'] : undefined;
  if (typeof detail === 'string' && detail.trim() !== '') return detail.trim();
  if (Array.isArray(detail)) {
    const messages = detail
      .map((item) => (isObject(item) && typeof item['msg'] === 'string' ? item['msg'] : null))
      .filter((msg): msg is string => msg !== null && msg !== '');
    if (messages.length > 0) return messages.join('; ');
  }
  return null;
}

function sentence(text: string): string {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** The words to show for an error response. */
export function describeAuthError(status: number, body: unknown): string {
  const detail = detailOf(body);
  switch (status) {
    case 401:
      return 'Wrong name or password.';
    case 409:
      return 'That name is already taken. Choose another.';
    case 429:
      return 'Too many attempts. Please wait before trying again.';
    default:
      break;
  }
  if (detail !== null) return sentence(detail);
  if (status >= 500) return `The server ran into a problem (HTTP ${status}). Try again shortly.`;
  return `The request failed (HTTP ${status}).`;
}

async function request(
  path: string,
  init: RequestInit,
  fetchFn: FetchLike,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  let response: Response;
  try {
    response = await fetchFn(path, init);
  } catch {
    throw new AuthError('Could not reach the server. Is it running?', 0);
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { status: response.status, body, headers: response.headers };
}

function postJson(path: string, payload: unknown, fetchFn: FetchLike, token?: string) {
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    Accept: 'application/json',
  };
  if (token !== undefined) headers['Authorization'] = `Bearer ${token}`;
  return request(path, { method: 'POST', headers, body: JSON.stringify(payload) }, fetchFn);
}

function failure(status: number, body: unknown, headers: Headers): AuthError {
  let retryAfter: number | null = null;
  if (status === 429) {
    retryAfter = parseRetryAfter(headers.get('Retry-After'));
    const inBody = isObject(body) ? body['retry_after'] : undefined;
    if (retryAfter === null && typeof inBody === 'number' && inBody > 0) retryAfter = Math.ceil(inBody);
  }
  return new AuthError(describeAuthError(status, body), status, retryAfter);
}

function readGrant(body: unknown, status: number, now: number): TokenGrant {
  const token = isObject(body) ? body['access_token'] : undefined;
  if (typeof token !== 'string' || token === '') {
    throw new AuthError('The server sent an unexpected answer.', status);
  }
  const expiresIn = isObject(body) ? body['expires_in'] : undefined;
  const refresh = isObject(body) ? body['refresh_token'] : undefined;
  const seconds = typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : 900;
  return {
    accessToken: token,
    refreshToken: typeof refresh === 'string' && refresh !== '' ? refresh : null,
    expiresAt: now + seconds * 1000,
  };
}

/** Create an account. Resolves on 201, throws AuthError otherwise. */
export async function register(
  username: string,
  password: string,
  fetchFn: FetchLike = defaultFetch,
): Promise<void> {
  const { status, body, headers } = await postJson('/auth/register', { username, password }, fetchFn);
  if (status !== 201 && status !== 200) throw failure(status, body, headers);
}

/** Exchange a name and password for tokens. Throws AuthError on failure. */
export async function login(
  username: string,
  password: string,
  fetchFn: FetchLike = defaultFetch,
  now: () => number = Date.now,
): Promise<TokenGrant> {
  const { status, body, headers } = await postJson('/auth/login', { username, password }, fetchFn);
  if (status !== 200) throw failure(status, body, headers);
  return readGrant(body, status, now());
}

/** Exchange a refresh token (once: it rotates) for new tokens. Throws AuthError on failure. */
export async function refreshTokens(
  refreshToken: string,
  fetchFn: FetchLike = defaultFetch,
  now: () => number = Date.now,
): Promise<TokenGrant> {
  const { status, body, headers } = await postJson(
    '/auth/refresh',
    { refresh_token: refreshToken },
    fetchFn,
  );
  if (status !== 200) throw failure(status, body, headers);
  return readGrant(body, status, now());
}

/** Is this access token still accepted? (`GET /auth/me`): 'ok', 'rejected' or 'unreachable'. */
export async function checkAccessToken(
  accessToken: string,
  fetchFn: FetchLike = defaultFetch,
): Promise<'ok' | 'rejected' | 'unreachable'> {
  try {
    const { status } = await request(
      '/auth/me',
      { method: 'GET', headers: { Accept: 'application/json', Authorization: `Bearer ${accessToken}` } },
      fetchFn,
    );
    if (status === 200) return 'ok';
    return status === 401 || status === 403 ? 'rejected' : 'unreachable';
  } catch {
    return 'unreachable';
  }
}

/** End the login on the server (best effort: the local tokens are dropped anyway). */
export async function logout(
  accessToken: string,
  refreshToken: string | null,
  fetchFn: FetchLike = defaultFetch,
): Promise<void> {
  try {
    await postJson('/auth/logout', refreshToken !== null ? { refresh_token: refreshToken } : {}, fetchFn, accessToken);
  } catch {
    // unreachable: nothing more to do
  }
}

/**
 * The `role` claim of an access token (`player`, `admin`), or null when it cannot be read.
 * Read without checking the signature: it only decides what the interface offers (the
 * admin commands in completion); the server checks the token for everything it does.
 */
export function tokenRole(accessToken: string): string | null {
  const payload = accessToken.split('.')[1];
  if (payload === undefined) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const claims: unknown = JSON.parse(atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '=')));
    return isObject(claims) && typeof claims['role'] === 'string' ? claims['role'] : null;
  } catch {
    return null;
  }
}

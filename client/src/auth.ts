import { isObject } from './protocol';

/** What the client keeps after logging in (in memory only). */
export interface Session {
  token: string;
  /** when the token stops being accepted, in ms since the epoch */
  expiresAt: number;
}

/** A failed request, with a message fit to show the player. */
export class AuthError extends Error {
  /** the HTTP status, or 0 when the server could not be reached */
  readonly status: number;

  constructor(message: string, status: number) {
    super(message);
    this.name = 'AuthError';
    this.status = status;
  }
}

type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * The words to show for an error response: the server's `detail` when it is a string,
 * the `msg` of each item when it is a list (validation errors), otherwise a generic line.
 */
export function describeAuthError(status: number, body: unknown): string {
  const detail = isObject(body) ? body['detail'] : undefined;
  if (typeof detail === 'string' && detail.trim() !== '') return detail;
  if (Array.isArray(detail)) {
    const messages = detail
      .map((item) => (isObject(item) && typeof item['msg'] === 'string' ? item['msg'] : null))
      .filter((msg): msg is string => msg !== null && msg !== '');
    if (messages.length > 0) return messages.join('; ');
  }
  if (status >= 500) return `The server ran into a problem (HTTP ${status}). Try again shortly.`;
  return `The request failed (HTTP ${status}).`;
}

async function postJson(
  path: string,
  payload: unknown,
  fetchFn: FetchLike,
): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetchFn(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(payload),
    });
  } catch {
    throw new AuthError('Could not reach the server. Is it running?', 0);
  }
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { status: response.status, body };
}

const defaultFetch: FetchLike = (input, init) => fetch(input, init);

/** Create an account. Resolves on 201, throws AuthError otherwise. */
export async function register(
  username: string,
  password: string,
  fetchFn: FetchLike = defaultFetch,
): Promise<void> {
  const { status, body } = await postJson('/auth/register', { username, password }, fetchFn);
  if (status !== 201 && status !== 200) throw new AuthError(describeAuthError(status, body), status);
}

/** Exchange a name and password for an access token. Throws AuthError on failure. */
export async function login(
  username: string,
  password: string,
  fetchFn: FetchLike = defaultFetch,
  now: () => number = Date.now,
): Promise<Session> {
  const { status, body } = await postJson('/auth/login', { username, password }, fetchFn);
  if (status !== 200) throw new AuthError(describeAuthError(status, body), status);
  const token = isObject(body) ? body['access_token'] : undefined;
  if (typeof token !== 'string' || token === '') {
    throw new AuthError('The server sent an unexpected answer to the login.', status);
  }
  const expiresIn = isObject(body) ? body['expires_in'] : undefined;
  const seconds = typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn : 900;
  return { token, expiresAt: now() + seconds * 1000 };
}

// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './App';
import { gameState, say } from './testMessages';

/** A stand-in for the browser's WebSocket that the test drives by hand. */
class FakeWebSocket {
  static readonly instances: FakeWebSocket[] = [];
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  readonly sent: unknown[] = [];
  readonly url: string;
  readonly protocols: string[];

  constructor(url: string, protocols: string[]) {
    this.url = url;
    this.protocols = protocols;
    FakeWebSocket.instances.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }

  deliver(message: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(message) }));
  }
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

function latestSocket(): FakeWebSocket {
  const socket = FakeWebSocket.instances.at(-1);
  if (socket === undefined) throw new Error('no WebSocket was opened');
  return socket;
}

function fillIn(username: string, password: string) {
  fireEvent.change(screen.getByLabelText('Name'), { target: { value: username } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
}

beforeEach(() => {
  FakeWebSocket.instances.length = 0;
  vi.stubGlobal('WebSocket', FakeWebSocket);
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('App', () => {
  it('shows the server detail when the login is refused', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => jsonResponse(401, { detail: 'invalid username or password' })),
    );
    render(<App />);
    fillIn('alice', 'wrong-password');
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('alert')).toHaveProperty(
      'textContent',
      'invalid username or password',
    );
  });

  it('registers, then logs in, when Create account is pressed', async () => {
    const fetchFn = vi.fn(async (path: string) =>
      path === '/auth/register'
        ? jsonResponse(201, { user_id: 'u1', username: 'alice' })
        : jsonResponse(200, { access_token: 'tok', token_type: 'bearer', expires_in: 900 }),
    );
    vi.stubGlobal('fetch', fetchFn);
    render(<App />);
    fillIn('alice', 'secret123');
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByRole('log')).toBeTruthy();
    expect(fetchFn.mock.calls.map((call) => call[0])).toEqual(['/auth/register', '/auth/login']);
  });

  it('joins validation messages from a list detail', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        jsonResponse(422, { detail: [{ msg: 'too short' }, { msg: 'needs a letter' }] }),
      ),
    );
    render(<App />);
    fillIn('al', 'x');
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findByRole('alert')).textContent).toBe('too short; needs a letter');
  });

  it('plays: connects, shows the room, sends typed commands and exit clicks', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        jsonResponse(200, { access_token: 'tok', token_type: 'bearer', expires_in: 900 }),
      ),
    );
    render(<App />);
    fillIn('alice', 'secret123');
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await screen.findByRole('log');

    const socket = latestSocket();
    expect(socket.url).toBe(`ws://${window.location.host}/api/ws`);
    expect(socket.protocols).toEqual(['bearer', 'tok']);
    expect(screen.getByRole('status').textContent).toContain('Connecting');

    act(() => {
      socket.open();
      socket.deliver(gameState(1));
      socket.deliver(say(2, 'Bob', 'good evening'));
    });
    expect(screen.getByRole('status').textContent).toContain('Connected');

    const room = screen.getByRole('complementary', { name: 'Room' });
    expect(within(room).getByRole('heading', { level: 2 }).textContent).toBe('Independence Square');
    expect(within(room).getByText('Bob')).toBeTruthy();
    expect(screen.getByRole('log').textContent).toContain('Bob says: good evening');

    const input = screen.getByRole('textbox', { name: 'Command' });
    fireEvent.change(input, { target: { value: "'hello there" } });
    fireEvent.submit(input);
    expect(socket.sent.at(-1)).toMatchObject({ command: 'say', args: ['hello', 'there'] });
    expect((input as HTMLInputElement).value).toBe('');

    fireEvent.click(within(room).getByRole('button', { name: 'north' }));
    expect(socket.sent.at(-1)).toMatchObject({ command: 'go', args: ['north'] });
    expect(document.activeElement).toBe(input);

    fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect((input as HTMLInputElement).value).toBe("'hello there");
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect((input as HTMLInputElement).value).toBe('');
  });
});

// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from './App';
import { SESSION_KEY } from './authSession';
import { character, gameState, message, say, STATUS } from './testMessages';

/** A stand-in for the browser's WebSocket that the test drives by hand. */
class FakeWebSocket {
  static readonly instances: FakeWebSocket[] = [];
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  readonly sent: { command: string; args?: string[] }[] = [];
  readonly url: string;
  readonly protocols: string[];

  constructor(url: string, protocols: string[]) {
    this.url = url;
    this.protocols = protocols;
    FakeWebSocket.instances.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as { command: string });
  }

  close(): void {
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }

  deliver(...messages: unknown[]): void {
    for (const m of messages) this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(m) }));
  }

  drop(): void {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code: 1006 }));
  }
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

const GRANT = { access_token: 'tok', token_type: 'bearer', expires_in: 900, refresh_token: 'r1', refresh_expires_in: 9999 };

function latestSocket(): FakeWebSocket {
  const socket = FakeWebSocket.instances.at(-1);
  if (socket === undefined) throw new Error('no WebSocket was opened');
  return socket;
}

function fillIn(username: string, password: string) {
  fireEvent.change(screen.getByLabelText('Name'), { target: { value: username } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
}

async function loggedIn(first = gameState(1)): Promise<FakeWebSocket> {
  vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(200, GRANT)));
  render(<App />);
  fillIn('alice', 'secret123');
  fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
  await screen.findByRole('log');
  await vi.waitFor(() => expect(FakeWebSocket.instances.length).toBeGreaterThan(0));
  const socket = latestSocket();
  act(() => {
    socket.open();
    socket.deliver(first);
  });
  return socket;
}

beforeEach(() => {
  FakeWebSocket.instances.length = 0;
  vi.stubGlobal('WebSocket', FakeWebSocket);
  sessionStorage.clear();
  localStorage.clear();
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('App: logging in', () => {
  it('says so when the name or password is wrong', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(401, { detail: 'invalid username or password' })));
    render(<App />);
    fillIn('alice', 'wrong-password');
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Wrong name or password.');
  });

  it('says a taken name is taken, and a weak password why', async () => {
    const fetchFn = vi
      .fn<() => Promise<Response>>()
      .mockResolvedValueOnce(jsonResponse(409, { detail: 'username is taken' }))
      .mockResolvedValueOnce(jsonResponse(422, { detail: 'password must be at least 8 characters' }));
    vi.stubGlobal('fetch', fetchFn);
    render(<App />);
    fillIn('alice', 'secret123');
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findByRole('alert')).textContent).toBe('That name is already taken. Choose another.');
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    await vi.waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe('Password must be at least 8 characters.'),
    );
  });

  it('counts down a throttle (429 Retry-After) and disables the buttons meanwhile', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => jsonResponse(429, { detail: 'too many', retry_after: 2 }, { 'Retry-After': '2' })),
    );
    render(<App />);
    fillIn('alice', 'secret123');
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    const countdown = await screen.findByTestId('retry-countdown');
    expect(countdown.textContent).toBe('You can try again in 2 s.');
    expect(screen.getByRole('button', { name: 'Log in' })).toHaveProperty('disabled', true);
    await vi.waitFor(() => expect(screen.queryByTestId('retry-countdown')).toBeNull(), { timeout: 5000 });
    expect(screen.getByRole('button', { name: 'Log in' })).toHaveProperty('disabled', false);
  });

  it('registers, then logs in, and keeps the tokens for this tab', async () => {
    const fetchFn = vi.fn(async (path: string) =>
      path === '/auth/register' ? jsonResponse(201, { user_id: 'u1', username: 'alice' }) : jsonResponse(200, GRANT),
    );
    vi.stubGlobal('fetch', fetchFn);
    render(<App />);
    fillIn('alice', 'secret123');
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByRole('log')).toBeTruthy();
    expect(fetchFn.mock.calls.map((call) => call[0])).toEqual(['/auth/register', '/auth/login']);
    expect(JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? '{}')).toMatchObject({
      username: 'alice',
      accessToken: 'tok',
      refreshToken: 'r1',
    });
  });

  it('goes straight back into the game after a reload', async () => {
    sessionStorage.setItem(
      SESSION_KEY,
      JSON.stringify({ username: 'alice', accessToken: 'kept', refreshToken: 'r1', issuedAt: Date.now(), expiresAt: Date.now() + 900_000 }),
    );
    vi.stubGlobal('fetch', vi.fn());
    render(<App />);
    expect(await screen.findByRole('log')).toBeTruthy();
    await vi.waitFor(() => expect(FakeWebSocket.instances.length).toBe(1));
    expect(latestSocket().protocols).toEqual(['bearer', 'kept']);
  });
});

describe('App: playing', () => {
  it('shows the character and a creature; its commands are sent as typed, and Space on it keeps the focus', async () => {
    const socket = await loggedIn(gameState(1, undefined, { character: character() }));
    const ghoul = { id: 'npc-1', prototype: 'ghoul', name: 'a ghoul' };
    act(() =>
      socket.deliver(
        message(2, 'npc_entered', { npc_id: ghoul.id, npc_name: ghoul.name, prototype: 'ghoul', reason: 'spawned', direction: null, text: 'A ghoul claws its way up out of the soft earth.' }),
      ),
    );
    act(() =>
      socket.deliver(
        message(3, 'status_update', { status: { ...STATUS, dp: 14, lucidity: 94 }, changes: { dp: -6 }, reason: 'combat', text: null }),
      ),
    );
    const dp = screen.getByRole('progressbar', { name: 'Determination' });
    expect(dp.getAttribute('aria-valuetext')).toBe('14 of 20');
    expect(screen.getByRole('progressbar', { name: 'Lucidity' }).getAttribute('aria-valuenow')).toBe('94');
    expect(screen.getByRole('log').textContent).toContain('A ghoul claws its way up out of the soft earth.');
    const creatures = screen.getByRole('list', { name: 'Creatures' });
    const button = within(creatures).getByRole('button', { name: 'a ghoul' });
    button.focus();
    fireEvent.keyDown(button, { key: ' ' });
    expect(document.activeElement).toBe(button);
    fireEvent.click(button);
    fireEvent.click(screen.getByRole('button', { name: 'attack' }));
    expect(socket.sent.at(-1)).toMatchObject({ command: 'attack', args: ['ghoul'] });
    expect(screen.getByRole('log').textContent).toContain('> attack ghoul');
    expect(document.activeElement).toBe(screen.getByRole('textbox', { name: 'Command' }));
  });


  it('shows the room, the log and chat, sends typed commands and exit clicks', async () => {
    const socket = await loggedIn();
    expect(socket.url).toBe(`ws://${window.location.host}/api/ws`);
    expect(screen.getByRole('status').textContent).toContain('Connected');
    act(() => socket.deliver(say(2, 'Bob', 'good evening')));

    const room = screen.getByRole('region', { name: 'Room' });
    expect(within(room).getByRole('heading', { level: 2 }).textContent).toBe('Independence Square');
    expect(within(room).getByText('Bob')).toBeTruthy();
    expect(screen.getByRole('log').textContent).toContain('Bob says: good evening');
    const chat = screen.getByRole('region', { name: 'Chat' });
    expect(within(chat).getByRole('tabpanel').textContent).toContain('Bob says: good evening');

    const input = screen.getByRole('textbox', { name: 'Command' });
    fireEvent.change(input, { target: { value: "'hello there" } });
    fireEvent.submit(input);
    expect(socket.sent.at(-1)).toMatchObject({ command: 'say', args: ['hello', 'there'] });
    expect((input as HTMLInputElement).value).toBe('');

    fireEvent.click(within(room).getByRole('button', { name: 'go north' }));
    expect(socket.sent.at(-1)).toMatchObject({ command: 'go', args: ['north'] });
    expect(document.activeElement).toBe(input);

    fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect((input as HTMLInputElement).value).toBe("'hello there");
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect((input as HTMLInputElement).value).toBe('');
    expect(JSON.parse(localStorage.getItem('mythos.history.alice') ?? '[]')).toEqual(["'hello there"]);
  });

  it('completes commands and player names with Tab', async () => {
    await loggedIn();
    const input = screen.getByRole('textbox', { name: 'Command' }) as HTMLInputElement;
    fireEvent.change(input, { target: { value: 'sa' } });
    fireEvent.keyDown(input, { key: 'Tab' });
    expect(input.value).toBe('say ');
    fireEvent.change(input, { target: { value: 'look b' } });
    fireEvent.keyDown(input, { key: 'Tab' });
    expect(input.value).toBe('look Bob ');
  });

  it('counts unread chat per tab', async () => {
    const socket = await loggedIn();
    act(() =>
      socket.deliver(
        message(2, 'chat_message', { channel: 'global', player_id: 'p-eve', player_name: 'Eve', message: 'hi', text: 'Eve: hi' }),
      ),
    );
    const tab = screen.getByRole('tab', { name: /global/ });
    expect(tab.textContent).toBe('global1');
    fireEvent.click(tab, { detail: 1 });
    expect(screen.getByRole('tab', { name: /global/ }).textContent).toBe('global');
    expect(document.activeElement).toBe(screen.getByRole('textbox', { name: 'Command' }));
    expect(screen.getByRole('tabpanel').textContent).toContain('Eve: hi');
  });

  it('shows reconnecting, queues commands meanwhile, and resumes', async () => {
    const socket = await loggedIn();
    act(() => socket.drop());
    expect(screen.getByRole('status').textContent).toContain('Reconnecting');
    const input = screen.getByRole('textbox', { name: 'Command' });
    fireEvent.change(input, { target: { value: 'look' } });
    fireEvent.submit(input);
    expect(screen.getByRole('log').textContent).toContain('the command will be sent when the connection is back');
    await vi.waitFor(() => expect(FakeWebSocket.instances.length).toBe(2), { timeout: 3000 });
    const next = latestSocket();
    expect(next.url).toContain('?session_id=s1&epoch=e1&last_seq=1');
    act(() => {
      next.open();
      next.deliver(message(2, 'room_update', { room: { id: 'independence-square', name: 'Independence Square', exits: {}, occupants: [] } }));
    });
    expect(next.sent.filter((frame) => frame.command !== 'ping')).toMatchObject([{ command: 'look' }]);
    expect(screen.getByRole('status').textContent).toContain('Connected');
  });
});

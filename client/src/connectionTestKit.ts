import { vi } from 'vitest';
import type { RefreshOutcome } from './authSession';
import { GameConnection, type SocketLike, type TokenSource } from './connection';
import { createGameStore } from './gameStore';
import { gameState } from './testMessages';

/** A WebSocket the tests drive by hand: what the client sent, and what it is told. */
export class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  readonly sent: string[] = [];
  closedWith: number | undefined | null = null;
  readonly url: string;
  readonly protocols: string[];

  constructor(url: string, protocols: string[]) {
    this.url = url;
    this.protocols = protocols;
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code?: number): void {
    this.readyState = 3;
    this.closedWith = code;
  }

  opens(): void {
    this.readyState = 1;
    this.onopen?.({} as Event);
  }

  delivers(...messages: unknown[]): void {
    for (const data of messages) {
      this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) } as MessageEvent);
    }
  }

  refuses(): void {
    this.onerror?.({} as Event);
    this.readyState = 3;
    this.onclose?.({ code: 1006 } as CloseEvent);
  }

  closes(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }

  /** Commands sent (pings left out). */
  commands(): { command: string; args?: string[]; command_id?: string }[] {
    return this.sent
      .map((frame) => JSON.parse(frame) as { command: string; command_id?: string })
      .filter((frame) => frame.command !== 'ping');
  }
}

export function setup(options: { recheck?: RefreshOutcome; refresh?: RefreshOutcome; token?: string | null } = {}) {
  const store = createGameStore();
  const sockets: FakeSocket[] = [];
  const onAuthLost = vi.fn();
  const auth: TokenSource = {
    accessToken: vi.fn(async () => (options.token === undefined ? 'tok' : options.token)),
    recheck: vi.fn(async () => options.recheck ?? 'ok'),
    refresh: vi.fn(async () => options.refresh ?? 'ok'),
  };
  const connection = new GameConnection({
    url: 'ws://host/api/ws',
    store,
    auth,
    onAuthLost,
    backoff: { random: () => 0.5 },
    createSocket: (url, protocols) => {
      const socket = new FakeSocket(url, protocols);
      sockets.push(socket);
      return socket;
    },
  });
  const latest = (): FakeSocket => {
    const socket = sockets.at(-1);
    if (socket === undefined) throw new Error('no socket was opened');
    return socket;
  };
  const status = () => store.getState().connection.status;
  return { store, sockets, auth, onAuthLost, connection, latest, status };
}

/** Let the awaited token promise settle, then run due timers. */
export async function flush(ms = 0): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

export async function live(ctx: ReturnType<typeof setup>): Promise<FakeSocket> {
  ctx.connection.start();
  await flush();
  const socket = ctx.latest();
  socket.opens();
  socket.delivers(gameState(1));
  return socket;
}


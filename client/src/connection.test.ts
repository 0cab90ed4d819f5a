import { describe, expect, it, vi } from 'vitest';
import { closePolicy, GameConnection, reconnectDelay, type SocketLike } from './connection';
import { GameStore } from './store';
import { gameState, say } from './testMessages';

class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: SocketLike['onopen'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onclose: SocketLike['onclose'] = null;
  onerror: SocketLike['onerror'] = null;
  readonly sent: string[] = [];
  closedWith: { code?: number | undefined; reason?: string | undefined } | null = null;
  readonly url: string;
  readonly protocols: string[];

  constructor(url: string, protocols: string[]) {
    this.url = url;
    this.protocols = protocols;
  }

  send(data: string): void {
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.readyState = 3;
    this.closedWith = { code, reason };
  }

  serverOpens(): void {
    this.readyState = 1;
    this.onopen?.({} as Event);
  }

  serverSends(data: unknown): void {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) } as MessageEvent);
  }

  handshakeFails(): void {
    this.onerror?.({} as Event);
  }

  serverCloses(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }
}

function setup(options: { expiresAt?: number; now?: number } = {}) {
  const store = new GameStore();
  const sockets: FakeSocket[] = [];
  const timers: { callback: () => void; ms: number }[] = [];
  const onAuthLost = vi.fn();
  let now = options.now ?? 0;
  const connection = new GameConnection({
    url: 'ws://host/api/ws',
    token: 'tok',
    tokenExpiresAt: options.expiresAt ?? 900_000,
    store,
    onAuthLost,
    createSocket: (url, protocols) => {
      const socket = new FakeSocket(url, protocols);
      sockets.push(socket);
      return socket;
    },
    now: () => now,
    setTimer: (callback, ms) => {
      timers.push({ callback, ms });
      return timers.length;
    },
    clearTimer: () => {},
    maxReconnectAttempts: 2,
  });
  const latest = (): FakeSocket => {
    const socket = sockets.at(-1);
    if (socket === undefined) throw new Error('no socket was opened');
    return socket;
  };
  return {
    store,
    sockets,
    timers,
    onAuthLost,
    connection,
    latest,
    setNow: (ms: number) => {
      now = ms;
    },
  };
}

describe('GameConnection', () => {
  it('opens the socket with the bearer subprotocol and reports its status', () => {
    const { store, connection, latest } = setup();
    connection.connect();
    expect(latest().url).toBe('ws://host/api/ws');
    expect(latest().protocols).toEqual(['bearer', 'tok']);
    expect(store.getSnapshot().status).toBe('connecting');
    latest().serverOpens();
    expect(store.getSnapshot().status).toBe('connected');
  });

  it('feeds server messages to the store and reports unreadable frames', () => {
    const { store, connection, latest } = setup();
    connection.connect();
    latest().serverOpens();
    latest().serverSends(gameState(1));
    latest().serverSends(say(2, 'Bob', 'hello'));
    latest().serverSends('not json');
    const log = store.getSnapshot().log;
    expect(store.getSnapshot().player?.name).toBe('Alice');
    expect(log.map((entry) => entry.kind)).toEqual(['room', 'chat', 'unknown']);
  });

  it('sends commands as JSON only while open', () => {
    const { connection, latest } = setup();
    const command = { command: 'look', args: [], timestamp: 't', command_id: 'c' };
    connection.connect();
    expect(connection.send(command)).toBe(false);
    latest().serverOpens();
    expect(connection.send(command)).toBe(true);
    expect(latest().sent.map((frame) => JSON.parse(frame) as unknown)).toEqual([command]);
  });

  it('reconnects after a lost connection, with a pause, on a fresh sequence', () => {
    const { store, connection, latest, sockets, timers } = setup();
    connection.connect();
    latest().serverOpens();
    latest().serverSends(gameState(1));
    latest().serverCloses(1006);
    expect(store.getSnapshot().status).toBe('disconnected');
    expect(timers).toHaveLength(1);
    expect(timers[0]?.ms).toBe(1000);
    timers[0]?.callback();
    expect(sockets).toHaveLength(2);
    latest().serverOpens();
    latest().serverSends(gameState(1));
    // The second connection's sequence 1 is not taken for a duplicate.
    expect(store.getSnapshot().log.filter((entry) => entry.kind === 'room')).toHaveLength(2);
  });

  it('gives up after the allowed attempts, until Reconnect is pressed', () => {
    const { connection, latest, sockets, timers } = setup();
    connection.connect();
    latest().serverCloses(1006);
    timers.shift()?.callback();
    latest().serverCloses(1006);
    timers.shift()?.callback();
    latest().serverCloses(1006);
    expect(timers).toHaveLength(0);
    expect(sockets).toHaveLength(3);
    connection.reconnectNow();
    expect(sockets).toHaveLength(4);
  });

  it('does not reconnect when the session was opened elsewhere (4001)', () => {
    const { store, connection, latest, timers } = setup();
    connection.connect();
    latest().serverOpens();
    latest().serverCloses(4001);
    expect(timers).toHaveLength(0);
    expect(store.getSnapshot().status).toBe('disconnected');
    expect(store.getSnapshot().log.at(-1)?.kind).toBe('system');
  });

  it('sends the player back to log in when the token is refused (1008)', () => {
    const { connection, latest, timers, onAuthLost } = setup();
    connection.connect();
    latest().serverOpens();
    latest().serverCloses(1008);
    expect(timers).toHaveLength(0);
    expect(onAuthLost).toHaveBeenCalledTimes(1);
  });

  it('sends the player back to log in when the token has expired', () => {
    const { connection, latest, onAuthLost, setNow, timers } = setup({ expiresAt: 1000 });
    connection.connect();
    setNow(2000);
    latest().serverCloses(1006); // a refused handshake
    expect(onAuthLost).toHaveBeenCalledTimes(1);
    expect(timers).toHaveLength(0);
  });

  it('treats an error before the open as a failed attempt, once', () => {
    const { store, connection, latest, timers } = setup();
    connection.connect();
    const socket = latest();
    socket.handshakeFails();
    socket.serverCloses(1006); // browsers follow the error with a close
    expect(timers).toHaveLength(1);
    expect(store.getSnapshot().log.filter((entry) => entry.kind === 'system')).toHaveLength(1);
    expect(store.getSnapshot().status).toBe('disconnected');
  });

  it('closes quietly when stopped, and ignores the old socket afterwards', () => {
    const { store, connection, latest, timers } = setup();
    connection.connect();
    const socket = latest();
    socket.serverOpens();
    connection.stop();
    expect(socket.closedWith?.code).toBe(1000);
    socket.serverSends(gameState(1));
    socket.serverCloses(1000);
    expect(store.getSnapshot().log).toHaveLength(0);
    expect(store.getSnapshot().status).toBe('disconnected');
    expect(timers).toHaveLength(0);
  });
});

describe('closePolicy', () => {
  it('follows the documented close codes', () => {
    expect(closePolicy(1000)).toMatchObject({ reconnect: false, relogin: false });
    expect(closePolicy(1008)).toMatchObject({ reconnect: false, relogin: true });
    expect(closePolicy(1013)).toMatchObject({ reconnect: true, relogin: false });
    expect(closePolicy(4001)).toMatchObject({ reconnect: false, relogin: false });
    expect(closePolicy(4008)).toMatchObject({ reconnect: true, relogin: false });
    expect(closePolicy(1006)).toMatchObject({ reconnect: true, relogin: false });
  });
});

describe('reconnectDelay', () => {
  it('doubles from one second up to fifteen', () => {
    expect([1, 2, 3, 4, 5, 6].map(reconnectDelay)).toEqual([1000, 2000, 4000, 8000, 15000, 15000]);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { flush, live, setup } from './connectionTestKit';
import { control, gameState, message, response, ROOM, say } from './testMessages';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('GameConnection: connecting', () => {
  it('opens the socket with the bearer subprotocol and goes live on game_state', async () => {
    const ctx = setup();
    ctx.connection.start();
    expect(ctx.status()).toBe('connecting');
    await flush();
    expect(ctx.latest().url).toBe('ws://host/api/ws');
    expect(ctx.latest().protocols).toEqual(['bearer', 'tok']);
    ctx.latest().opens();
    expect(ctx.status()).toBe('connecting');
    ctx.latest().delivers(gameState(1), say(2, 'Bob', 'hello'));
    expect(ctx.status()).toBe('connected');
    expect(ctx.store.getState().log.map((line) => line.kind)).toEqual(['room', 'chat']);
  });

  it('keeps control messages out of the stream', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    socket.delivers(control('heartbeat', 1, { interval_seconds: 25 }), control('pong', 1), say(2, 'Bob', 'hi'));
    expect(ctx.store.getState().stream.lastSeq).toBe(2);
    expect(ctx.store.getState().log).toHaveLength(2);
  });

  it('sends a ping every 20 s while open', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    await flush(19_999);
    expect(socket.sent).toEqual([]);
    await flush(1);
    expect(socket.sent).toEqual(['{"command":"ping"}']);
    socket.delivers(control('pong', 1));
    await flush(20_000);
    expect(socket.sent).toHaveLength(2);
  });

  it('goes back to the login when there is no token', async () => {
    const ctx = setup({ token: null });
    ctx.connection.start();
    await flush();
    expect(ctx.sockets).toHaveLength(0);
    expect(ctx.onAuthLost).toHaveBeenCalledOnce();
  });
});

describe('GameConnection: reconnecting and resuming', () => {
  it('reconnects after a drop with back-off and resumes with session_id, epoch and last_seq', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    socket.delivers(say(2, 'Bob', 'a'), say(3, 'Bob', 'b'));
    socket.closes(1006);
    expect(ctx.status()).toBe('reconnecting');
    expect(ctx.store.getState().connection.attempt).toBe(1);
    expect(ctx.store.getState().log.at(-1)?.text).toBe('The connection to Arkham was lost.');
    await flush(499); // random 0.5 of the first 1 s window
    expect(ctx.sockets).toHaveLength(1);
    await flush(1);
    expect(ctx.sockets).toHaveLength(2);
    expect(ctx.latest().url).toBe('ws://host/api/ws?session_id=s1&epoch=e1&last_seq=3');
    ctx.latest().opens();
    ctx.latest().delivers(say(4, 'Bob', 'missed'), message(5, 'room_update', { room: ROOM }));
    expect(ctx.status()).toBe('connected');
    expect(ctx.store.getState().log.filter((line) => line.kind === 'chat').map((line) => line.seq)).toEqual([2, 3, 4]);
  });

  it('reconnects at once on 1012 and after a pause on 1013', async () => {
    const ctx = setup();
    let socket = await live(ctx);
    socket.closes(1012);
    await flush(0);
    expect(ctx.sockets).toHaveLength(2);
    socket = ctx.latest();
    socket.opens();
    socket.delivers(message(2, 'room_update', { room: ROOM }));
    socket.closes(1013);
    await flush(1999);
    expect(ctx.sockets).toHaveLength(2);
    await flush(1);
    expect(ctx.sockets).toHaveLength(3);
  });

  it.each([4002, 4008, 1006, 1011])('reconnects after close code %i', async (code) => {
    const ctx = setup();
    const socket = await live(ctx);
    socket.closes(code);
    expect(ctx.status()).toBe('reconnecting');
    await flush(1000);
    expect(ctx.sockets).toHaveLength(2);
  });

  it('does not reconnect after 4001 (playing elsewhere) or 1000', async () => {
    for (const code of [4001, 1000]) {
      const ctx = setup();
      const socket = await live(ctx);
      socket.delivers(control('disconnect', 1, { code, reason: 'session replaced' }));
      socket.closes(code);
      await flush(60_000);
      expect(ctx.sockets).toHaveLength(1);
      expect(ctx.status()).toBe('disconnected');
      expect(ctx.store.getState().connection.canReconnect).toBe(true);
    }
  });

  it('after 5 failed attempts waits for the Reconnect button', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    socket.closes(1006);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await flush(30_000);
      expect(ctx.sockets).toHaveLength(1 + attempt);
      ctx.latest().refuses();
      await flush(0);
    }
    expect(ctx.status()).toBe('disconnected');
    expect(ctx.store.getState().connection.canReconnect).toBe(true);
    await flush(120_000);
    expect(ctx.sockets).toHaveLength(6);
    ctx.connection.reconnectNow();
    await flush(0);
    expect(ctx.sockets).toHaveLength(7);
    expect(ctx.status()).toBe('reconnecting');
  });

  it('a refused handshake asks whether the token is to blame, and gives up on the login if so', async () => {
    const ctx = setup({ recheck: 'rejected' });
    ctx.connection.start();
    await flush();
    ctx.latest().refuses();
    await flush();
    expect(ctx.auth.recheck).toHaveBeenCalledOnce();
    expect(ctx.onAuthLost).toHaveBeenCalledOnce();
    expect(ctx.status()).toBe('disconnected');
  });

  it('1008 (closed for flooding) reconnects after a pause with the same token', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    socket.closes(1008);
    await flush(1000);
    expect(ctx.sockets).toHaveLength(1);
    await flush(10_000);
    expect(ctx.auth.refresh).not.toHaveBeenCalled();
    expect(ctx.sockets).toHaveLength(2);
  });

  it('4009 (the login was revoked) never reconnects with the old token: back to the login', async () => {
    const ctx = setup({ refresh: 'rejected' });
    const socket = await live(ctx);
    socket.closes(4009);
    await flush(60_000);
    expect(ctx.auth.refresh).toHaveBeenCalledOnce();
    expect(ctx.sockets).toHaveLength(1);
    expect(ctx.onAuthLost).toHaveBeenCalledOnce();
  });

  it('resumes when a gap is not healed by the edge in time', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    socket.delivers(say(3, 'Bob', 'ahead'));
    await flush(10_000);
    expect(socket.closedWith).toBe(4000);
    await flush(1000);
    expect(ctx.latest().url).toContain('last_seq=1');
  });

  it('a heartbeat ahead of us that is then filled needs no reconnect', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    socket.delivers(control('heartbeat', 2, { interval_seconds: 25 }));
    socket.delivers(say(2, 'Bob', 'late'));
    await flush(15_000);
    expect(ctx.sockets).toHaveLength(1);
    expect(socket.closedWith).toBeNull();
  });

  it('reconnects when nothing at all arrives for 60 s', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    await flush(60_000);
    expect(socket.closedWith).toBe(4000);
    expect(ctx.status()).toBe('reconnecting');
  });

  it('takes its silence timeout from the heartbeat interval the server announces', async () => {
    const ctx = setup();
    ctx.connection.start();
    await flush();
    const socket = ctx.latest();
    socket.opens();
    socket.delivers(gameState(1, ROOM, { heartbeat_interval_seconds: 5 }));
    await flush(11_999);
    expect(socket.closedWith).toBeNull();
    await flush(1);
    expect(socket.closedWith).toBe(4000); // 2.4 x 5 s

    // Kept across the reconnect; a heartbeat announcing a longer interval extends it.
    await flush(1000);
    const resumed = ctx.latest();
    expect(resumed).not.toBe(socket);
    resumed.opens();
    resumed.delivers(control('heartbeat', 1, { interval_seconds: 50 }));
    await flush(119_999);
    expect(resumed.closedWith).toBeNull();
    await flush(1);
    expect(resumed.closedWith).toBe(4000); // 2.4 x 50 s
  });
});

describe('GameConnection: commands', () => {
  it('sends commands with a command_id while connected', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    expect(ctx.connection.send({ command: 'look', args: [] })).toBe('sent');
    const [sent] = socket.commands();
    expect(sent).toMatchObject({ command: 'look', args: [] });
    expect(sent?.command_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('queues commands typed while reconnecting and sends them, in order, once connected', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    socket.closes(1006);
    expect(ctx.connection.send({ command: 'say', args: ['one'] })).toBe('queued');
    expect(ctx.connection.send({ command: 'say', args: ['two'] })).toBe('queued');
    expect(ctx.store.getState().connection.queued).toBe(2);
    await flush(1000);
    const next = ctx.latest();
    next.opens();
    expect(next.commands()).toEqual([]); // not before the stream is back
    next.delivers(message(2, 'room_update', { room: ROOM }));
    expect(next.commands().map((c) => c.args)).toEqual([['one'], ['two']]);
    expect(ctx.store.getState().connection.queued).toBe(0);
  });

  it('refuses commands beyond 50 queued', async () => {
    const ctx = setup();
    ctx.connection.start();
    for (let i = 0; i < 50; i += 1) expect(ctx.connection.send({ command: 'look', args: [] })).toBe('queued');
    expect(ctx.connection.send({ command: 'look', args: [] })).toBe('full');
  });

  it('re-sends unanswered commands with the same command_id after a resume, but not answered ones', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    ctx.connection.send({ command: 'look', args: [] });
    ctx.connection.send({ command: 'who', args: [] });
    const [look, who] = socket.commands();
    socket.closes(1006);
    await flush(1000);
    const next = ctx.latest();
    next.opens();
    // The replay carries the answer to `look`; `who` was lost with the old socket.
    next.delivers(response(2, look?.command_id ?? '', 'A square.'), message(3, 'room_update', { room: ROOM }));
    expect(next.commands()).toEqual([who]);
    next.delivers(response(4, who?.command_id ?? '', 'Alice'));
    expect(ctx.connection.unanswered).toBe(0);
  });

  it('stop closes the socket and stops reconnecting', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    ctx.connection.stop();
    expect(socket.closedWith).toBe(1000);
    await flush(60_000);
    expect(ctx.sockets).toHaveLength(1);
    expect(ctx.status()).toBe('disconnected');
  });

  it('simulateDrop (the e2e hook) behaves like a network failure', async () => {
    const ctx = setup();
    const socket = await live(ctx);
    ctx.connection.simulateDrop();
    expect(socket.closedWith).toBe(4000);
    expect(ctx.status()).toBe('reconnecting');
    await flush(1000);
    expect(ctx.latest().url).toContain('session_id=s1');
  });
});

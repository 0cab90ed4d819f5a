/**
 * End to end: the built client in Debian's Chromium against the whole running system.
 * Two players register in two browser contexts, see each other, chat and move; then the
 * server drops one player's connection (SIGKILL of the edge holding it, in distributed
 * mode) while the other keeps talking, and the dropped player's log must show every one
 * of those lines, once, in order. Last, every panel must stay usable at 1280x800 and
 * 1920x1080 in a room with many exits and a long description.
 *
 * With MYTHOS_SCREENSHOTS set (`make screenshots`), it also saves pictures along the way.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { layoutProblems, VIEWPORTS } from './layout';
import { PlayerPage } from './player';
import { SCREEN, screenshot } from './screenshots';
import { edgeConnections, startSystem, type RunningSystem } from './system';

let system: RunningSystem;
let browser: Browser;
let alice: PlayerPage;
let bob: PlayerPage;
/** distributed mode: the index of the edge holding Bob's connection (Alice is on the other) */
let bobEdge = -1;

function lines(all: string[], pattern: RegExp): string[] {
  return all.filter((line) => pattern.test(line));
}

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

/** Which edge holds exactly the connections counted so far (distributed mode). */
async function settledCounts(total: number): Promise<number[]> {
  return waitFor(`${total} connection(s) on the edges`, async () => {
    const counts = await edgeConnections(system);
    return counts.every((count) => count >= 0) && counts.reduce((a, b) => a + b, 0) === total ? counts : null;
  });
}

beforeAll(async () => {
  system = await startSystem({ edges: 2 });
  browser = await launchChromium();
  console.log(`Mythos e2e: ${system.mode} mode at ${system.url}`);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
}, 120_000);

describe('two players in Arkham', () => {
  it('register, log in, see each other, chat and move', async () => {
    // Each run has a database of its own, so the plain names are free.
    bob = await PlayerPage.open(await browser.newContext({ viewport: SCREEN }), system.url, 'Bob');
    await screenshot(bob.page, 'login');
    await bob.register();
    if (system.mode === 'distributed') {
      const counts = await settledCounts(1);
      bobEdge = counts.indexOf(1);
    }

    alice = await PlayerPage.open(await browser.newContext({ viewport: SCREEN }), system.url, 'Alice');
    await alice.register();
    if (system.mode === 'distributed') {
      // Alice must be on the other edge, so that killing Bob's leaves her connected.
      for (let tries = 0; ; tries += 1) {
        const counts = await settledCounts(2);
        if (counts[bobEdge] === 1) break;
        if (tries >= 6) throw new Error(`Alice kept landing on Bob's edge: ${counts.join(', ')}`);
        await alice.page.reload();
        await alice.waitConnected();
      }
    }

    // They see each other in the room.
    await expect.poll(() => alice.occupants()).toContain(bob.name);
    await expect.poll(() => bob.occupants()).toContain(alice.name);

    // They chat, both ways; the say tab has it too.
    await alice.type(`say Good evening, ${bob.name}.`);
    await bob.waitForLog(`${alice.name} says: Good evening, ${bob.name}.`);
    // Bob answers with the keyboard only: Tab completes Alice's name from the room.
    const bobInput = bob.page.getByRole('textbox', { name: 'Command' });
    await bobInput.fill(`say Evening, ${alice.name.slice(0, 3)}`);
    await bobInput.press('Tab');
    expect(await bobInput.inputValue()).toBe(`say Evening, ${alice.name} `);
    await bobInput.press('Enter');
    await alice.waitForLog(`${bob.name} says: Evening, ${alice.name}`);
    await screenshot(alice.page, 'talking');
    // Up brings the line back from the history.
    await bobInput.press('ArrowUp');
    expect(await bobInput.inputValue()).toBe(`say Evening, ${alice.name}`);
    await bobInput.fill('');
    await expect
      .poll(() => bob.page.getByRole('tabpanel').textContent())
      .toContain(`${alice.name} says: Good evening`);

    // Alice walks out through an exit (clicked, as a player would) and Bob sees her go.
    const startRoom = await alice.roomName();
    let direction: string | null = null;
    for (const exit of await alice.exits()) {
      await alice.page.getByRole('region', { name: 'Room' }).getByRole('button', { name: `go ${exit}`, exact: true }).click();
      const moved = await expect
        .poll(() => alice.roomName(), { timeout: 5_000 })
        .not.toBe(startRoom)
        .then(() => true)
        .catch(() => false);
      if (moved) {
        direction = exit;
        break;
      }
    }
    expect(direction, 'no exit of the start room could be taken').not.toBeNull();
    await bob.waitForLog(`${alice.name} leaves the room.`);
    await expect.poll(() => bob.occupants()).not.toContain(alice.name);

    // Bob follows, Tab-completing the direction from the room's exits.
    const target = `go ${direction ?? ''}`;
    await bobInput.fill(target.slice(0, -1));
    for (let presses = 0; presses < 6 && (await bobInput.inputValue()).trim() !== target; presses += 1) {
      await bobInput.press('Tab');
    }
    expect((await bobInput.inputValue()).trim()).toBe(target);
    await bobInput.press('Enter');
    await alice.waitForLog(`${bob.name} enters the room.`);
    await expect.poll(() => bob.roomName()).toBe(await alice.roomName());
    await expect.poll(() => alice.occupants()).toContain(bob.name);
  });

  it("the server drops Bob's connection: his log shows all Alice said meanwhile, once, in order", async () => {
    const before = await bob.stream();
    expect(before.status).toBe('connected');
    const socketsBefore = bob.sockets.length;

    // Hold Bob's reconnect (his browser goes offline) so that every line below is said
    // while he is away, then cut his connection from the server side.
    await bob.context.setOffline(true);
    if (system.mode === 'distributed') {
      // One connection on each edge, Bob's on bobEdge: kill that process outright.
      expect(await settledCounts(2)).toEqual([1, 1]);
      process.kill(system.pid(`edge-${bobEdge + 1}`), 'SIGKILL');
    } else {
      await bob.dropConnectionFromTheClient();
    }
    await bob.waitForLog('The connection to Arkham was lost.');

    const said = Array.from({ length: 8 }, (_, i) => `while you were away #${i + 1}`);
    for (const text of said) await alice.type(`say ${text}`);
    for (const text of said) await alice.waitForLog(`You say: ${text}`);
    // All of it was said while Bob was away: he is still trying to get back.
    expect(['reconnecting', 'disconnected']).toContain((await bob.stream()).status);
    expect(lines(await bob.logLines(), /while you were away/)).toEqual([]);

    await bob.context.setOffline(false);
    await bob.waitConnected(60_000);
    await bob.waitForLog(said.at(-1) ?? '', 30_000);

    const heard = lines(await bob.logLines(), new RegExp(`^${alice.name} says: while you were away #`));
    expect(heard).toEqual(said.map((text) => `${alice.name} says: ${text}`));
    await screenshot(bob.page, 'reconnect');

    // Resumed, not resynced: same epoch, with session_id, epoch and last_seq on the new socket.
    const after = await bob.stream();
    expect(after.epoch).toBe(before.epoch);
    expect(after.resyncs).toBe(0);
    const resumed = bob.sockets.slice(socketsBefore).map((socket) => socket.url());
    expect(resumed.length).toBeGreaterThan(0);
    expect(resumed.at(-1)).toContain(`session_id=`);
    expect(resumed.at(-1)).toContain(`epoch=${encodeURIComponent(before.epoch ?? '')}`);
    expect(resumed.at(-1)).toContain(`last_seq=${before.lastSeq}`);

    // No duplicate anywhere in his log: the server's numbers only go up.
    const seqs = await bob.logSeqs();
    for (let i = 1; i < seqs.length; i += 1) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] ?? 0);
    expect(after.lastSeq).toBeGreaterThanOrEqual(Math.max(...seqs));

    // And the link works both ways again.
    await bob.type('say I am back');
    await alice.waitForLog(`${bob.name} says: I am back`);
  });

  it('keeps the login across a page reload', async () => {
    await alice.page.reload();
    await alice.waitConnected();
    expect(await alice.page.getByLabel('Password').count()).toBe(0);
    await expect.poll(() => alice.occupants()).toContain(alice.name);
  });

  it('every panel is usable at 1280x800 and at 1920x1080', async () => {
    // Alice stands where she walked to: a room with many exits and a long description. Bob
    // talks until her log and her chat are longer than their panels.
    expect((await alice.exits()).length, `exits of ${await alice.roomName()}`).toBeGreaterThanOrEqual(5);
    for (let i = 1; i <= 12; i += 1) await bob.type(`say Did you hear that? (${i})`);
    await alice.waitForLog(`${bob.name} says: Did you hear that? (12)`);
    for (const viewport of VIEWPORTS) {
      await alice.page.setViewportSize(viewport);
      await expect.poll(() => layoutProblems(alice.page), { timeout: 2_000 }).toEqual([]);
    }
    await alice.page.setViewportSize(SCREEN);
  });
});


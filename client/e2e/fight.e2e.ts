/**
 * End to end: two players fight a creature together in the web client. Alice and Bob walk
 * to the Old Burying Ground, where the world's spawn rule keeps a ghoul; each clicks the
 * ghoul in the room panel and picks `attack`. Both must see the fight in their logs (each
 * from their own side), their vitals in the status panel (the ghoul's sight costs lucidity,
 * its claws determination), the ghoul leave the creatures when it dies, its tooth fall to
 * the ground, the experience go to whoever struck last, and the tooth move when Bob picks
 * it up. The panels must stay usable at 1280x800 during the fight and on a narrow screen.
 * Last, Alice is made an admin (the operator CLI) and lowers Bob's lucidity: he alone sees
 * a hallucination, told as his, and what she says reaches him muffled, marked as such.
 *
 * The system runs with slower combat rounds (so both can join before the first round) and
 * stronger fists (so two players win in a round or two, before anyone falls); hostile
 * creatures wait for the players to strike first (a long arrival ward), and neither
 * regeneration nor the place's drain changes the figures while they are read.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './browser';
import { layoutProblems, NARROW } from './layout';
import { PlayerPage } from './player';
import { SCREEN, screenshot } from './screenshots';
import { grantAdmin, startSystem, type RunningSystem } from './system';

const GHOUL = 'a ghoul';
const TOOTH = 'a yellowed ghoul tooth';
const GHOUL_DIES = 'The ghoul folds into the dirt and is still.';
const TO_THE_GRAVES = ['east', 'east', 'east', 'north'];

let system: RunningSystem;
let browser: Browser;
let alice: PlayerPage;
let bob: PlayerPage;

beforeAll(async () => {
  system = await startSystem({
    edges: 1,
    env: {
      GAME_COMBAT_ROUND_TICKS: '8',
      GAME_UNARMED_DAMAGE: '4',
      GAME_ARRIVAL_WARD_SECONDS: '600',
      // Nothing else moves the bars while the test reads them: no regeneration, no drain
      // of the graveyard's air.
      GAME_DP_REGEN_TICKS: '100000',
      GAME_LUCIDITY_FLUX_TICKS: '100000',
      // Every chance-based effect of a troubled mind happens (the last test relies on it).
      GAME_LUCIDITY_RANDOM_EFFECTS: 'always',
      EDGE_IDLE_TIMEOUT_SECONDS: '600',
    },
  });
  browser = await launchChromium();
  console.log(`Mythos fight e2e: ${system.mode} mode at ${system.url}`);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
}, 120_000);

/** The DP a player's log last reported for them ("... claws you for 3 damage. (7/10 DP)"), or null. */
function lastReportedDp(lines: string[]): number | null {
  const reports = lines.map((line) => /claws you for \d+ damage\. \((-?\d+)\/\d+ DP\)/.exec(line)).filter((m) => m !== null);
  const last = reports.at(-1);
  return last === undefined ? null : Number(last[1]);
}

describe('two players fight a ghoul', () => {
  it('walk to the burying ground, where the ghoul is listed among the creatures', async () => {
    alice = await PlayerPage.open(await browser.newContext({ viewport: SCREEN }), system.url, 'Alice');
    await alice.register();
    bob = await PlayerPage.open(await browser.newContext({ viewport: SCREEN }), system.url, 'Bob');
    await bob.register();

    // A fresh character: full bars, lucid, healthy, no experience.
    const lucidity = await alice.bar('Lucidity');
    expect(lucidity).toEqual({ now: 100, max: 100, text: '100 of 100, lucid' });
    expect(await alice.statusText()).toMatch(/healthy.*XP 0/);

    for (const player of [alice, bob]) {
      for (const direction of TO_THE_GRAVES) {
        const before = await player.roomName();
        await player.type(`go ${direction}`);
        await expect.poll(() => player.roomName()).not.toBe(before);
      }
      expect(await player.roomName()).toBe('Old Burying Ground');
    }
    await expect.poll(() => alice.things('Creatures')).toEqual([GHOUL]);
    await expect.poll(() => bob.things('Creatures')).toEqual([GHOUL]);
    await expect.poll(() => alice.occupants()).toContain('Bob');
  });

  it('both attack it from the room panel; each sees the fight from their side', async () => {
    await alice.pick('Creatures', GHOUL, 'attack');
    await alice.waitForLog('You attack a ghoul!');
    await bob.pick('Creatures', GHOUL, 'attack');
    await bob.waitForLog('You attack a ghoul!');

    // The command was sent as typed, and echoed.
    expect(await alice.logLines()).toContain('> attack ghoul');
    // Alice's opening blow, as she and as Bob read it; Bob's the other way round.
    await alice.waitForLog('You punch a ghoul for 4 damage.');
    await bob.waitForLog('Alice attacks a ghoul!');
    await bob.waitForLog('Alice punches a ghoul for 4 damage.');
    await bob.waitForLog('You punch a ghoul for 4 damage.');
    await alice.waitForLog('Bob punches a ghoul for 4 damage.');
    // The blows are combat lines, not chat or responses.
    expect(await alice.logLinesOf('combat')).toContain('Bob punches a ghoul for 4 damage. (5/13 DP)');
    expect(await alice.logLinesOf('chat')).toEqual([]);

    // The sight of it costs each of them lucidity, shown in the bar and told in the log.
    for (const player of [alice, bob]) {
      await expect.poll(async () => (await player.bar('Lucidity')).text).toBe('94 of 100, lucid');
      expect(await player.logLinesOf('status')).toContain('The sight of a ghoul claws at your reason. (-6 lucidity)');
    }
    // Alice opens the ghoul's commands again (the picture shows them); mid-fight, every
    // control of her screen is usable at 1280x800. Escape closes the list.
    const ghoul = alice.page.getByRole('list', { name: 'Creatures', exact: true }).getByRole('button', { name: GHOUL });
    await ghoul.click();
    const commands = alice.page.getByRole('group', { name: `Commands for ${GHOUL}` });
    expect(await commands.getByRole('button').allTextContents()).toEqual(['look', 'attack']);
    await screenshot(alice.page, 'fight');
    expect(await layoutProblems(alice.page)).toEqual([]);
    await alice.page.keyboard.press('Escape');
    await expect.poll(() => commands.count()).toBe(0);
  });

  it('the ghoul dies: gone from the creatures, its tooth on the ground, experience to the killer', async () => {
    for (const player of [alice, bob]) {
      await player.waitForLog(GHOUL_DIES, 30_000);
      await expect.poll(() => player.things('Creatures')).toEqual([]);
      await expect.poll(() => player.things('On the ground')).toEqual([TOOTH]);
      await player.waitForLog('The fight is over.');
      await expect.poll(() => player.statusText()).not.toContain('fighting');
    }

    // Exactly one of them struck the killing blow and gained its experience.
    const killers = [];
    for (const player of [alice, bob]) {
      const gained = (await player.logLines()).some((line) => line.includes('You gain 10 experience'));
      expect(await player.statusText()).toContain(gained ? 'XP 10' : 'XP 0');
      if (gained) killers.push(player.name);
    }
    expect(killers).toHaveLength(1);

    // The ghoul's claws: the bar shows what the log last said, and the other one saw it.
    for (const [player, other] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      const dp = await player.bar('Determination');
      const reported = lastReportedDp(await player.logLines());
      expect(dp.now).toBe(reported ?? dp.max);
      if (reported !== null) {
        expect((await other.logLinesOf('combat')).some((line) => line.startsWith(`A ghoul claws ${player.name} for`))).toBe(true);
      }
    }
  });

  it('Bob picks the tooth up from the ground panel; Alice sees it go', async () => {
    await bob.pick('On the ground', TOOTH, 'get');
    await bob.waitForLog('You pick up a yellowed ghoul tooth.');
    await expect.poll(() => bob.page.getByRole('list', { name: 'Carried', exact: true }).textContent()).toBe(TOOTH);
    await expect.poll(() => bob.things('On the ground')).toEqual([]);
    await alice.waitForLog('Bob picks up a yellowed ghoul tooth.');
    await expect.poll(() => alice.things('On the ground')).toEqual([]);
    expect(await alice.logLinesOf('item')).toContain('Bob picks up a yellowed ghoul tooth.');
    await screenshot(bob.page, 'fight-won');
    expect(await layoutProblems(bob.page)).toEqual([]);

    // On a narrow screen the panels stack and scroll, and every control stays reachable.
    await bob.page.setViewportSize(NARROW);
    await expect.poll(() => layoutProblems(bob.page, true), { timeout: 2_000 }).toEqual([]);
    const input = await bob.page.getByRole('textbox', { name: 'Command' }).boundingBox();
    expect(input).not.toBeNull();
    expect((input?.y ?? 0) + (input?.height ?? 0)).toBeLessThanOrEqual(NARROW.height);
    await bob.page.setViewportSize(SCREEN);
  });

  it("an admin troubles Bob's mind: he alone sees a hallucination, and Alice's words reach him muffled", async () => {
    await grantAdmin(system, 'Alice');
    await alice.logInAgain();
    await alice.type('setstat Bob lcd 60');
    await alice.waitForLog("Set Bob's lucidity to 60");
    await expect.poll(async () => (await bob.bar('Lucidity')).text).toBe('60 of 100, uneasy');
    await bob.waitForLog('A quiet dread settles over you; you are uneasy.');

    // Uneasy: entering a room brings a hallucination (every time, in this system), told as his alone.
    await bob.type('go south');
    await expect.poll(async () => (await bob.logLinesOf('hallucination')).length, { timeout: 15_000 }).toBeGreaterThan(0);
    const [vision] = await bob.logLinesOf('hallucination');
    expect(vision).toMatch(/^only you perceive this: ./);
    expect(await alice.logLinesOf('hallucination')).toEqual([]);
    await bob.type('go north');
    await expect.poll(() => bob.roomName()).toBe('Old Burying Ground');

    // Fractured: what others say arrives muffled, and the client says so.
    await alice.type('setstat Bob lcd 30');
    await expect.poll(async () => (await bob.bar('Lucidity')).text).toBe('30 of 100, fractured');
    await alice.type('say Run, now!');
    await bob.waitForLog('Alice says: Run now');
    const muffled = bob.page.locator('[role="log"] > div[data-distortion]');
    expect(await muffled.allTextContents()).toEqual(['Alice says: Run now (muffled)']);
    expect(await muffled.getAttribute('data-distortion')).toBe('muffled');
    expect(await bob.page.getByRole('tabpanel').textContent()).toContain('Alice says: Run now (muffled)');
    // Alice's own line is as she said it.
    await alice.waitForLog('You say: Run, now!');
    await screenshot(bob.page, 'lucidity');
    expect(await layoutProblems(bob.page)).toEqual([]);
  });
});

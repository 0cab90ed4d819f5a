/** One player in a browser context: what a person would do and see on the page. */
import { expect } from 'vitest';
import type { BrowserContext, Page, WebSocket } from 'playwright-core';

export const PASSWORD = 'correct horse battery';

export class PlayerPage {
  readonly sockets: WebSocket[] = [];
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;

  constructor(name: string, context: BrowserContext, page: Page) {
    this.name = name;
    this.context = context;
    this.page = page;
    page.on('websocket', (socket) => this.sockets.push(socket));
  }

  static async open(context: BrowserContext, baseUrl: string, name: string): Promise<PlayerPage> {
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const player = new PlayerPage(name, context, page);
    await page.goto(`${baseUrl}/?e2e=1`);
    return player;
  }

  /** Create the account (which logs in too) and wait until the game is connected. */
  async register(): Promise<void> {
    await this.page.getByLabel('Name').fill(this.name);
    await this.page.getByLabel('Password').fill(PASSWORD);
    await this.page.getByRole('button', { name: 'Create account' }).click();
    await this.waitConnected();
  }

  /** Log out and in again (a new token: a role granted meanwhile takes effect). */
  async logInAgain(): Promise<void> {
    await this.page.getByRole('button', { name: 'Log out' }).click();
    await this.page.getByLabel('Name').fill(this.name);
    await this.page.getByLabel('Password').fill(PASSWORD);
    await this.page.getByRole('button', { name: 'Log in' }).click();
    await this.waitConnected();
  }

  async waitConnected(timeout = 30_000): Promise<void> {
    await this.page.locator('[data-status="connected"]').waitFor({ timeout });
  }

  /** Type a line into the command input and press Enter, as a player does. */
  async type(line: string): Promise<void> {
    const input = this.page.getByRole('textbox', { name: 'Command' });
    await input.fill(line);
    await input.press('Enter');
  }

  /** The text of every line in the game log, in order. */
  async logLines(): Promise<string[]> {
    return this.page.locator('[role="log"] > div').allTextContents();
  }

  /** The sequence numbers of the server's lines in the log, in order. */
  async logSeqs(): Promise<number[]> {
    const values = await this.page
      .locator('[role="log"] > div[data-seq]')
      .evaluateAll((lines) => lines.map((line) => Number(line.getAttribute('data-seq'))));
    return values;
  }

  async waitForLog(text: string, timeout = 30_000): Promise<void> {
    await expect
      .poll(async () => (await this.logLines()).some((line) => line.includes(text)), { timeout })
      .toBe(true);
  }

  async occupants(): Promise<string[]> {
    const room = this.page.getByRole('region', { name: 'Room' });
    const names = await room.getByRole('list', { name: 'Here', exact: true }).locator('li').allTextContents();
    return names.map((name) => name.replace(' (you)', '').trim());
  }

  /** The names in one of the room's lists of things: 'Creatures' or 'On the ground'. */
  async things(list: 'Creatures' | 'On the ground'): Promise<string[]> {
    const room = this.page.getByRole('region', { name: 'Room' });
    const names = await room.getByRole('list', { name: list, exact: true }).locator('li > button').allTextContents();
    return names.map((name) => name.trim());
  }

  /** Open a thing's commands in a list (a room's or the inventory's) and pick one, with the mouse. */
  async pick(list: string, thing: string, command: string): Promise<void> {
    const things = this.page.getByRole('list', { name: list, exact: true });
    await things.getByRole('button', { name: thing, exact: true }).click();
    await this.page.getByRole('group', { name: `Commands for ${thing}` }).getByRole('button', { name: command, exact: true }).click();
  }

  /** A bar of the status panel: its value, maximum and the words a screen reader hears. */
  async bar(label: 'Determination' | 'Magic' | 'Lucidity'): Promise<{ now: number; max: number; text: string }> {
    const bar = this.page.getByRole('progressbar', { name: label, exact: true });
    return {
      now: Number(await bar.getAttribute('aria-valuenow')),
      max: Number(await bar.getAttribute('aria-valuemax')),
      text: (await bar.getAttribute('aria-valuetext')) ?? '',
    };
  }

  async statusText(): Promise<string> {
    return (await this.page.getByRole('region', { name: 'Status' }).textContent()) ?? '';
  }

  /** The log lines of one kind (combat, narration, status...), in order. */
  async logLinesOf(kind: string): Promise<string[]> {
    return this.page.locator(`[role="log"] > div[data-kind="${kind}"]`).allTextContents();
  }

  async roomName(): Promise<string> {
    return (await this.page.getByRole('region', { name: 'Room' }).getByRole('heading', { level: 2 }).textContent()) ?? '';
  }

  async exits(): Promise<string[]> {
    const labels = await this.page
      .getByRole('region', { name: 'Room' })
      .getByRole('button', { name: /^go / })
      .allTextContents();
    return labels.map((label) => label.trim());
  }

  /** Where the client stands in its stream (the `?e2e=1` hook). */
  async stream(): Promise<{ epoch: string | null; lastSeq: number; resyncs: number; status: string }> {
    return this.page.evaluate(() => {
      const hooks = window.__mythosE2E;
      if (hooks === undefined) throw new Error('the ?e2e=1 hooks are missing');
      return hooks.stream();
    });
  }

  async dropConnectionFromTheClient(): Promise<void> {
    await this.page.evaluate(() => window.__mythosE2E?.dropConnection());
  }
}

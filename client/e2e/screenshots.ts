/**
 * Pictures of the game for the README: `make screenshots` sets MYTHOS_SCREENSHOTS to a folder
 * (docs/screenshots) and the e2e saves what a player sees at these moments there. Without it
 * nothing is saved.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from './system';

/** Every picture the e2e takes, by file name. */
export type Shot = 'login' | 'talking' | 'reconnect' | 'fight' | 'fight-won' | 'lucidity';

/** The window every player's browser has (and the size of every picture). */
export const SCREEN = { width: 1280, height: 800 } as const;

export function screenshotFolder(env: NodeJS.ProcessEnv = process.env): string | null {
  const folder = env['MYTHOS_SCREENSHOTS'];
  return folder === undefined || folder === '' ? null : resolve(REPO_ROOT, folder);
}

/** Save `<shot>.png` when screenshots were asked for; a no-op otherwise. */
export async function screenshot(page: Page, shot: Shot): Promise<void> {
  const folder = screenshotFolder();
  if (folder === null) return;
  mkdirSync(folder, { recursive: true });
  await page.screenshot({ path: join(folder, `${shot}.png`), animations: 'disabled', caret: 'hide' });
}

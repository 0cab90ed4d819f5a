/**
 * Is every panel usable at this window size? Every control (button, tab, input) must be
 * displayed whole inside the window and inside every ancestor that clips or scrolls (so
 * that it is visible without scrolling anything), and a click at its centre must land on
 * it, not on another panel drawn over it. Content that is longer than its box must scroll
 * there rather than be cut off, and the log and chat must show their newest line.
 */
import type { Page } from 'playwright-core';

export const VIEWPORTS = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
] as const;

/** A phone held upright: the panels stack, and each may scroll in its own box. */
export const NARROW = { width: 390, height: 844 } as const;

/**
 * What is wrong with the page's layout, one line per problem (empty when all is well).
 * With `scrolling`, a control may also lie out of view inside a box that scrolls (a narrow
 * screen cannot show every panel at once); it must still fit the window's width, and the
 * controls in view must not be covered.
 */
export function layoutProblems(page: Page, scrolling = false): Promise<string[]> {
  return page.evaluate((scrolling) => {
    const problems: string[] = [];
    // Sub-pixel rounding of borders is not a layout fault.
    const slack = 0.5;
    const label = (element: Element): string =>
      `${element.tagName.toLowerCase()} "${element.getAttribute('aria-label') ?? element.textContent?.trim() ?? ''}"`;
    const place = (element: Element): string => {
      const name = element.getAttribute('aria-label') ?? element.getAttribute('role') ?? element.id;
      return `${element.tagName.toLowerCase()} "${name !== '' ? name : element.className}"`;
    };
    const scrolls = (value: string): boolean => value === 'auto' || value === 'scroll';

    for (const control of document.querySelectorAll('button, input, textarea, select, a[href]')) {
      const name = label(control);
      const box = control.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) {
        problems.push(`${name} is not displayed`);
        continue;
      }
      if (box.left < -slack || box.right > innerWidth + slack) problems.push(`${name} lies outside the window`);
      else if (!scrolling && (box.top < -slack || box.bottom > innerHeight + slack)) {
        problems.push(`${name} lies outside the window`);
      }
      let hidden = false;
      for (let parent = control.parentElement; parent !== null; parent = parent.parentElement) {
        const style = getComputedStyle(parent);
        if (style.overflowX === 'visible' && style.overflowY === 'visible') continue;
        const clip = parent.getBoundingClientRect();
        const outside =
          box.top < clip.top - slack ||
          box.bottom > clip.bottom + slack ||
          box.left < clip.left - slack ||
          box.right > clip.right + slack;
        if (outside && scrolling && scrolls(style.overflowY) && box.left >= clip.left - slack && box.right <= clip.right + slack) {
          hidden = true; // scrolled out of view, not cut off
          break;
        }
        if (outside) {
          problems.push(`${name} is cut off by ${place(parent)}`);
          break;
        }
      }
      if (hidden) continue;
      const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      if (hit === null) problems.push(`${name}: nothing is hit at its centre`);
      else if (hit !== control && !control.contains(hit)) {
        problems.push(`${name} is covered by ${label(hit).slice(0, 60)}`);
      }
    }

    for (const element of document.body.querySelectorAll('*')) {
      const style = getComputedStyle(element);
      const tooTall = element.scrollHeight > element.clientHeight + 1 && !scrolls(style.overflowY);
      const tooWide = element.scrollWidth > element.clientWidth + 1 && !scrolls(style.overflowX);
      const clips = style.overflowY !== 'visible' || style.overflowX !== 'visible';
      if (clips && (tooTall || tooWide)) problems.push(`${place(element)} cuts its content off`);
    }

    // The log and the chat follow what is said: their newest line is in view.
    for (const panel of document.querySelectorAll('[role="log"], [role="tabpanel"]')) {
      const newest = panel.lastElementChild;
      if (newest === null) continue;
      const line = newest.getBoundingClientRect();
      const box = panel.getBoundingClientRect();
      if (line.top < box.top - slack || line.bottom > box.bottom + slack) {
        problems.push(`the newest line of ${place(panel)} is out of view`);
      }
    }
    return problems;
  }, scrolling);
}

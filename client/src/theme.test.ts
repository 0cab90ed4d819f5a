import { describe, expect, it } from 'vitest';
import css from './index.css?raw';

/** The colours of the theme, read from index.css so this test checks what ships. */
function palette(): Record<string, string> {
  const colours: Record<string, string> = {};
  for (const match of css.matchAll(/--([a-z-]+):\s*(#[0-9a-f]{6})\s*;/gi)) {
    const [, name, value] = match;
    if (name !== undefined && value !== undefined) colours[name] = value;
  }
  return colours;
}

function luminance(hex: string): number {
  const channels = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255);
  const [r = 0, g = 0, b = 0] = channels.map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}

describe('theme contrast (WCAG AA: 4.5:1 for text)', () => {
  const colours = palette();
  const texts = ['text', 'dim', 'accent', 'amber', 'error', 'chat', 'movement', 'combat', 'narration', 'vision'];
  const backgrounds = ['bg', 'panel', 'panel-raised'];

  it('defines every colour it is checked with', () => {
    for (const name of [...texts, ...backgrounds]) expect(colours[name], name).toMatch(/^#/);
  });

  for (const text of texts) {
    for (const background of backgrounds) {
      it(`${text} on ${background}`, () => {
        const ratio = contrast(colours[text] ?? '#000000', colours[background] ?? '#000000');
        expect(ratio).toBeGreaterThanOrEqual(4.5);
      });
    }
  }

  it('computes known ratios', () => {
    expect(contrast('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
  });
});

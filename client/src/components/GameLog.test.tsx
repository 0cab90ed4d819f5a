// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogLine } from '../applyEvent';
import { GameLog } from './GameLog';

afterEach(cleanup);

function entry(seq: number, text: string, kind: LogLine['kind'] = 'chat'): LogLine {
  return { id: seq, seq, kind, text };
}

describe('GameLog', () => {
  it('is a polite live log region', () => {
    render(<GameLog entries={[]} />);
    const log = screen.getByRole('log');
    expect(log.getAttribute('aria-live')).toBe('polite');
  });

  it('renders markup from the server as text, never as HTML', () => {
    const hostile = '<img src=x onerror="alert(1)"><b>bold</b>';
    render(<GameLog entries={[entry(1, hostile)]} />);
    const log = screen.getByRole('log');
    expect(log.textContent).toBe(hostile);
    expect(log.querySelector('img')).toBeNull();
    expect(log.querySelector('b')).toBeNull();
  });

  it('shows the lines in the order given, tagged with their kind', () => {
    render(<GameLog entries={[entry(1, 'first', 'room'), entry(2, 'second', 'error')]} />);
    const lines = Array.from(screen.getByRole('log').children);
    expect(lines.map((line) => line.textContent)).toEqual(['first', 'second']);
    expect(lines.map((line) => line.getAttribute('data-kind'))).toEqual(['room', 'error']);
  });
});

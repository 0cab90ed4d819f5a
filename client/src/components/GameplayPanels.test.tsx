// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LogLine } from '../applyEvent';
import type { Room } from '../protocol';
import type { Inventory, Status } from '../protocolGameplay';
import { CHARACTERISTICS, ROOM, STATUS } from '../testMessages';
import { GameLog } from './GameLog';
import { InventoryPanel } from './InventoryPanel';
import { RoomPanel } from './RoomPanel';
import { StatusPanel } from './StatusPanel';

afterEach(cleanup);

const status = (changes: Partial<Status>): Status => ({ ...(STATUS as Status), ...changes });

describe('StatusPanel with a character', () => {
  it('shows DP, MP and lucidity as labelled progress bars with their values and tier', () => {
    render(
      <StatusPanel
        player={{ id: 'p', name: 'Ada' }}
        fallbackName="ada"
        character={{ profession: 'private-eye', characteristics: CHARACTERISTICS, status: status({ dp: 7, lucidity: 35, tier: 'fractured', xp: 12, in_combat: true }) }}
        stats={[]}
        tick={null}
      />,
    );
    const dp = screen.getByRole('progressbar', { name: 'Determination' });
    expect(dp.getAttribute('aria-valuenow')).toBe('7');
    expect(dp.getAttribute('aria-valuemax')).toBe('20');
    expect(dp.getAttribute('aria-valuemin')).toBe('-10');
    expect(screen.getByRole('progressbar', { name: 'Magic' }).getAttribute('aria-valuetext')).toBe('10 of 10');
    const lucidity = screen.getByRole('progressbar', { name: 'Lucidity' });
    expect(lucidity.getAttribute('aria-valuetext')).toBe('35 of 100, fractured');
    const panel = screen.getByRole('region', { name: 'Status' });
    expect(panel.textContent).toContain('Ada, private eye');
    expect(panel.textContent).toContain('healthy');
    expect(panel.textContent).toContain('fighting');
    expect(panel.textContent).toContain('XP 12');
    expect(panel.textContent).toContain('STR50');
  });

  it('a bleeding character below zero has an empty bar, not a negative one', () => {
    render(
      <StatusPanel
        player={null}
        fallbackName="ada"
        character={{ profession: 'drifter', characteristics: CHARACTERISTICS, status: status({ dp: -3, condition: 'bleeding' }) }}
        stats={[]}
        tick={null}
      />,
    );
    const dp = screen.getByRole('progressbar', { name: 'Determination' });
    expect((dp.firstElementChild as HTMLElement).style.width).toBe('0%');
    expect(screen.getByText('bleeding').getAttribute('data-condition')).toBe('bleeding');
  });
});

describe('clicking creatures and things offers their commands', () => {
  const room: Room = {
    ...ROOM,
    npcs: [{ id: 'npc-1', prototype: 'ghoul', name: 'a ghoul' }],
    items: [{ id: 'it-1', prototype: 'brass-lantern', name: 'a brass lantern' }],
  };

  it('a creature: look and attack, sent as typed commands; Escape closes the list', () => {
    const onCommand = vi.fn();
    render(<RoomPanel room={room} canAct onGo={() => {}} onCommand={onCommand} />);
    const creatures = screen.getByRole('list', { name: 'Creatures' });
    const ghoul = within(creatures).getByRole('button', { name: 'a ghoul' });
    expect(ghoul.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(ghoul);
    const menu = screen.getByRole('group', { name: 'Commands for a ghoul' });
    expect(within(menu).getAllByRole('button').map((b) => b.textContent)).toEqual(['look', 'attack']);
    expect(document.activeElement).toBe(within(menu).getByRole('button', { name: 'look' }));
    fireEvent.keyDown(menu, { key: 'Escape' });
    expect(screen.queryByRole('group')).toBeNull();
    expect(document.activeElement).toBe(ghoul);
    fireEvent.click(ghoul);
    fireEvent.click(within(screen.getByRole('group')).getByRole('button', { name: 'attack' }));
    expect(onCommand).toHaveBeenCalledWith('attack ghoul');
    expect(screen.queryByRole('group')).toBeNull();
  });

  it('a thing on the ground: look and get; disabled while offline', () => {
    const onCommand = vi.fn();
    render(<RoomPanel room={room} canAct={false} onGo={() => {}} onCommand={onCommand} />);
    fireEvent.click(within(screen.getByRole('list', { name: 'On the ground' })).getByRole('button', { name: 'a brass lantern' }));
    const get = screen.getByRole('button', { name: 'get' });
    expect(get.hasAttribute('disabled')).toBe(true);
  });

  it('the inventory: worn by slot, carried, weight and things; drop and unequip', () => {
    const axe = { id: 'it-3', prototype: 'fire-axe', name: 'a fire axe', weight: 6 };
    const inventory: Inventory = {
      carried: [{ id: 'it-5', prototype: 'nerve-tonic', name: 'a bottle of nerve tonic', weight: 0.5 }],
      worn: { main_hand: axe, off_hand: axe },
      weight: 6.5,
      max_weight: 35,
      things: 1,
      max_things: 20,
    };
    const onCommand = vi.fn();
    render(<InventoryPanel inventory={inventory} room={room} canAct onCommand={onCommand} />);
    const worn = screen.getByRole('list', { name: 'Worn' });
    expect(worn.textContent).toBe('a fire axe (main hand, off hand)');
    const panel = screen.getByRole('region', { name: 'Inventory' });
    expect(panel.textContent).toContain('6.5 / 35 lb');
    expect(panel.textContent).toContain('1 / 20 things');
    fireEvent.click(within(screen.getByRole('list', { name: 'Carried' })).getByRole('button', { name: 'a bottle of nerve tonic' }));
    expect(within(screen.getByRole('group')).getAllByRole('button').map((b) => b.textContent)).toEqual(['look', 'equip', 'use', 'drop']);
    fireEvent.click(screen.getByRole('button', { name: 'use' }));
    expect(onCommand).toHaveBeenCalledWith('use tonic');
    fireEvent.click(within(worn).getByRole('button', { name: /a fire axe/ }));
    fireEvent.click(screen.getByRole('button', { name: 'unequip' }));
    expect(onCommand).toHaveBeenLastCalledWith('unequip axe');
  });
});

describe('GameLog: combat, hallucinations and distortion', () => {
  const line = (id: number, kind: LogLine['kind'], text: string, extra: Partial<LogLine> = {}): LogLine => ({ id, seq: id, kind, text, ...extra });

  it('tags combat lines with their kind and says a hallucination is yours alone', () => {
    render(
      <GameLog
        entries={[
          line(1, 'combat', 'A ghoul claws you for 3 damage.', { variant: 'hit' }),
          line(2, 'hallucination', 'Someone just behind you says your name.', { variant: 'whisper' }),
          line(3, 'chat', 'Bob says: run now', { channel: 'say', distortion: ['muffled'] }),
        ]}
      />,
    );
    const [combat, vision, chat] = Array.from(screen.getByRole('log').children);
    expect(combat?.getAttribute('data-kind')).toBe('combat');
    expect(combat?.getAttribute('data-variant')).toBe('hit');
    expect(vision?.textContent).toBe('only you perceive this: Someone just behind you says your name.');
    expect(chat?.textContent).toBe('Bob says: run now (muffled)');
    expect(chat?.getAttribute('data-distortion')).toBe('muffled');
  });
});

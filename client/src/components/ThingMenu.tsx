import { useEffect, useId, useRef, useState } from 'react';
import type { ThingAction } from '../thingCommands';
import styles from './ThingMenu.module.css';

interface ThingMenuProps {
  /** what is shown and named, e.g. "a ghoul" */
  name: string;
  /** extra words after the name, e.g. "(main hand)" */
  detail?: string;
  actions: readonly ThingAction[];
  /** whether commands can be sent now */
  canAct: boolean;
  onCommand: (command: string) => void;
  /** styling of the name: a creature or an item */
  tone: 'npc' | 'item';
}

/**
 * A thing in a panel: a button that opens its commands (look, get, attack...). The commands
 * are sent as if typed. Escape closes the list and gives focus back to the thing.
 */
export function ThingMenu({ name, detail, actions, canAct, onCommand, tone }: ThingMenuProps) {
  const [open, setOpen] = useState(false);
  const id = useId();
  const toggle = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (open) first.current?.focus();
  }, [open]);

  const close = () => {
    setOpen(false);
    toggle.current?.focus();
  };

  return (
    <li
      className={styles.thing}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          event.stopPropagation();
          close();
        }
      }}
    >
      <button
        ref={toggle}
        type="button"
        className={`${styles.name} ${styles[tone]}`}
        aria-expanded={open}
        aria-controls={id}
        onClick={() => setOpen((was) => !was)}
      >
        {name}
        {detail !== undefined && <span className={styles.detail}> {detail}</span>}
      </button>
      {open && (
        <div id={id} role="group" aria-label={`Commands for ${name}`} className={styles.actions}>
          {actions.map((action, index) => (
            <button
              key={action.label}
              ref={index === 0 ? first : undefined}
              type="button"
              className={styles.action}
              disabled={!canAct}
              title={action.command}
              onClick={() => {
                onCommand(action.command);
                setOpen(false);
              }}
            >
              {action.label}
            </button>
          ))}
        </div>
      )}
    </li>
  );
}

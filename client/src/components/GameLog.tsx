import { useLayoutEffect, useRef } from 'react';
import type { LogEntry } from '../store';
import styles from './GameLog.module.css';

interface GameLogProps {
  entries: readonly LogEntry[];
}

/** How close to the bottom (px) still counts as "following" the log. */
const STICKY_DISTANCE = 48;

/**
 * The scrolling game log. Lines are rendered as text, never as HTML. It follows new
 * lines while you are at the bottom and stays put while you scroll back to read.
 */
export function GameLog({ entries }: GameLogProps) {
  const ref = useRef<HTMLDivElement>(null);
  const following = useRef(true);

  useLayoutEffect(() => {
    const element = ref.current;
    if (element !== null && following.current) element.scrollTop = element.scrollHeight;
  }, [entries]);

  function handleScroll() {
    const element = ref.current;
    if (element === null) return;
    following.current =
      element.scrollHeight - element.scrollTop - element.clientHeight <= STICKY_DISTANCE;
  }

  return (
    <div
      ref={ref}
      className={styles.log}
      role="log"
      aria-live="polite"
      aria-label="Game log"
      tabIndex={0}
      onScroll={handleScroll}
    >
      {entries.map((entry) => (
        <div key={entry.key} className={`${styles.line} ${styles[entry.kind] ?? ''}`} data-kind={entry.kind}>
          {entry.text}
        </div>
      ))}
    </div>
  );
}

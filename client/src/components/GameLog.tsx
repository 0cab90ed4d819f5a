import { useRef, type RefObject } from 'react';
import type { LogLine } from '../applyEvent';
import { useFollowBottom } from '../useFollowBottom';
import styles from './GameLog.module.css';

interface GameLogProps {
  entries: readonly LogLine[];
  /** the scrolling element, so the command line can page through the log */
  scrollerRef?: RefObject<HTMLDivElement | null>;
}

/**
 * The scrolling game log, a polite live region. Lines are rendered as text, never as
 * HTML. Combat and narration are styled apart from chat; a hallucination and a distorted
 * chat line say so in words as well as in style (docs/client.md). It follows new lines while you are at the bottom and stays put while you scroll
 * back to read.
 */
export function GameLog({ entries, scrollerRef }: GameLogProps) {
  const ownRef = useRef<HTMLDivElement>(null);
  const ref = scrollerRef ?? ownRef;
  const handleScroll = useFollowBottom(ref, entries);

  return (
    <div
      ref={ref}
      className={styles.log}
      role="log"
      aria-live="polite"
      aria-relevant="additions"
      aria-label="Game log"
      tabIndex={0}
      onScroll={handleScroll}
    >
      {entries.map((entry) => (
        <div
          key={entry.id}
          className={`${styles.line} ${styles[entry.kind] ?? ''}`}
          data-kind={entry.kind}
          data-seq={entry.seq ?? undefined}
          data-channel={entry.channel}
          data-variant={entry.variant}
          data-distortion={entry.distortion?.join(' ')}
        >
          {entry.kind === 'hallucination' && <span className={styles.tag}>only you perceive this: </span>}
          {entry.text}
          {entry.distortion !== undefined && <span className={styles.tag}> ({entry.distortion.join(', ')})</span>}
        </div>
      ))}
    </div>
  );
}

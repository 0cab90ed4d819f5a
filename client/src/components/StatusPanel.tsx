import type { PlayerRef, Stat } from '../protocol';
import styles from './StatusPanel.module.css';

interface StatusPanelProps {
  player: PlayerRef | null;
  /** the name logged in with, until the game says who you are */
  fallbackName: string;
  stats: readonly Stat[];
  tick: number | null;
}

function show(value: Stat['value']): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** Who you are, and whatever figures the game provides. */
export function StatusPanel({ player, fallbackName, stats, tick }: StatusPanelProps) {
  return (
    <section className={styles.panel} aria-label="Status">
      <h2 className={styles.name}>{player?.name ?? fallbackName}</h2>
      {stats.length > 0 || tick !== null ? (
        <dl className={styles.stats}>
          {stats.map((stat) => (
            <div key={stat.name} className={styles.stat}>
              <dt>{stat.name}</dt>
              <dd>{show(stat.value)}</dd>
            </div>
          ))}
          {tick !== null && (
            <div className={styles.stat}>
              <dt>world tick</dt>
              <dd>{tick}</dd>
            </div>
          )}
        </dl>
      ) : (
        <p className={styles.none}>An investigator, for now.</p>
      )}
    </section>
  );
}

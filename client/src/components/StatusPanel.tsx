import type { CharacterSheet } from '../applyGameplay';
import type { PlayerRef, Stat } from '../protocol';
import { Bar } from './Bar';
import styles from './StatusPanel.module.css';

interface StatusPanelProps {
  player: PlayerRef | null;
  /** the name logged in with, until the game says who you are */
  fallbackName: string;
  /** the character you play, when the game sends one */
  character?: CharacterSheet | null;
  stats: readonly Stat[];
  tick: number | null;
}

function show(value: Stat['value']): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

function words(id: string): string {
  return id.replace(/[-_]/g, ' ');
}

const CHARACTERISTICS = ['str', 'con', 'siz', 'dex', 'cha', 'int', 'pow', 'edu', 'luck'] as const;

/** Determination, magic and lucidity as bars, then condition, experience and characteristics. */
function Sheet({ character }: { character: CharacterSheet }) {
  const { status } = character;
  return (
    <>
      <div className={styles.bars}>
        <Bar label="Determination" short="DP" value={status.dp} min={-10} max={status.max_dp} tone="dp" />
        <Bar label="Magic" short="MP" value={status.mp} min={0} max={status.max_mp} tone="mp" />
        <Bar
          label="Lucidity"
          short="LCD"
          value={status.lucidity}
          min={-100}
          max={status.max_lucidity}
          detail={status.tier}
          tone={status.tier}
        />
      </div>
      <p className={styles.condition}>
        <span className={styles[status.condition]} data-condition={status.condition}>
          {status.condition}
        </span>
        {status.in_combat && <span className={styles.fighting}>fighting</span>}
        <span className={styles.xp}>XP {status.xp}</span>
      </p>
      <dl className={styles.characteristics} aria-label="Characteristics">
        {CHARACTERISTICS.map((key) => (
          <div key={key} className={styles.stat}>
            <dt>{key.toUpperCase()}</dt>
            <dd>{character.characteristics[key]}</dd>
          </div>
        ))}
      </dl>
    </>
  );
}

/** Who you are: name and profession, your vitals, and whatever other figures the game provides. */
export function StatusPanel({ player, fallbackName, character = null, stats, tick }: StatusPanelProps) {
  return (
    <section className={styles.panel} aria-label="Status">
      <h2 className={styles.name}>
        {player?.name ?? fallbackName}
        {character !== null && character.profession !== '' && (
          <span className={styles.profession}>, {words(character.profession)}</span>
        )}
      </h2>
      {character !== null && <Sheet character={character} />}
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
        character === null && <p className={styles.none}>An investigator, for now.</p>
      )}
    </section>
  );
}

import type { Room } from '../protocol';
import styles from './RoomPanel.module.css';

interface RoomPanelProps {
  room: Room | null;
  /** your own name, marked in the occupant list */
  you?: string | undefined;
  /** whether commands can be sent (exit buttons are disabled otherwise) */
  canAct: boolean;
  onGo: (direction: string) => void;
}

/** Where you are: the room's name, description, exits (as buttons) and who is here. */
export function RoomPanel({ room, you, canAct, onGo }: RoomPanelProps) {
  if (room === null) {
    return (
      <section className={styles.panel} aria-label="Room">
        <p className={styles.waiting}>The fog over Arkham has not lifted yet…</p>
      </section>
    );
  }
  const exits = Object.keys(room.exits);
  return (
    <section className={styles.panel} aria-label="Room">
      <h2 className={styles.name}>{room.name}</h2>
      {room.description !== '' && <p className={styles.description}>{room.description}</p>}

      <h3 className={styles.heading}>Exits</h3>
      {exits.length === 0 ? (
        <p className={styles.none}>None that you can see.</p>
      ) : (
        <ul className={styles.exits}>
          {exits.map((direction) => (
            <li key={direction}>
              <button
                type="button"
                className={styles.exit}
                disabled={!canAct}
                title={`go ${direction}`}
                aria-label={`go ${direction}`}
                onClick={() => onGo(direction)}
              >
                {direction}
              </button>
            </li>
          ))}
        </ul>
      )}

      <h3 className={styles.heading}>Here</h3>
      {room.occupants.length === 0 ? (
        <p className={styles.none}>Nobody.</p>
      ) : (
        <ul className={styles.occupants}>
          {room.occupants.map((name) => (
            <li key={name}>
              {name}
              {name === you && <span className={styles.you}> (you)</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

import type { Room } from '../protocol';
import type { Inventory } from '../protocolGameplay';
import { thingActions } from '../thingCommands';
import { ThingMenu } from './ThingMenu';
import styles from './RoomPanel.module.css';

interface RoomPanelProps {
  room: Room | null;
  /** your own name, marked in the occupant list */
  you?: string | undefined;
  /** whether commands can be sent (exit buttons are disabled otherwise) */
  canAct: boolean;
  onGo: (direction: string) => void;
  /** send a command offered by a creature or a thing */
  onCommand?: (command: string) => void;
  /** what you carry (items are named among it for commands) */
  inventory?: Inventory | null;
}

/**
 * Where you are: the room's name, description, exits (as buttons), who is here, and the
 * creatures and things, each offering its commands.
 */
export function RoomPanel({ room, you, canAct, onGo, onCommand = () => {}, inventory = null }: RoomPanelProps) {
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
        <ul className={styles.occupants} aria-label="Here">
          {room.occupants.map((name) => (
            <li key={name}>
              {name}
              {name === you && <span className={styles.you}> (you)</span>}
            </li>
          ))}
        </ul>
      )}

      {room.npcs.length > 0 && (
        <>
          <h3 className={styles.heading}>Creatures</h3>
          <ul className={styles.things} aria-label="Creatures">
            {room.npcs.map((npc) => (
              <ThingMenu
                key={npc.id}
                name={npc.name}
                actions={thingActions('npc', npc, room, inventory)}
                canAct={canAct}
                onCommand={onCommand}
                tone="npc"
              />
            ))}
          </ul>
        </>
      )}

      {room.items.length > 0 && (
        <>
          <h3 className={styles.heading}>On the ground</h3>
          <ul className={styles.things} aria-label="On the ground">
            {room.items.map((item) => (
              <ThingMenu
                key={item.id}
                name={item.name}
                actions={thingActions('floor', item, room, inventory)}
                canAct={canAct}
                onCommand={onCommand}
                tone="item"
              />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

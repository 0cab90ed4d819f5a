import type { Room } from '../protocol';
import type { Inventory } from '../protocolGameplay';
import { thingActions, wornItems } from '../thingCommands';
import { ThingMenu } from './ThingMenu';
import styles from './InventoryPanel.module.css';

interface InventoryPanelProps {
  inventory: Inventory | null;
  room: Room | null;
  canAct: boolean;
  onCommand: (command: string) => void;
}

function slotWords(slots: string[]): string {
  return slots.map((slot) => slot.replace('_', ' ')).join(', ');
}

function pounds(weight: number): string {
  return Number.isInteger(weight) ? String(weight) : weight.toFixed(1);
}

/** What you wear (by slot) and carry, with the weight and the count of things against their limits. */
export function InventoryPanel({ inventory, room, canAct, onCommand }: InventoryPanelProps) {
  if (inventory === null) return null;
  const worn = wornItems(inventory);
  const slotsOf = (id: string) => Object.keys(inventory.worn).filter((slot) => inventory.worn[slot]?.id === id);
  return (
    <section className={styles.panel} aria-label="Inventory">
      <h2 className={styles.heading}>Equipment</h2>
      {worn.length === 0 ? (
        <p className={styles.none}>Nothing worn or wielded.</p>
      ) : (
        <ul className={styles.list} aria-label="Worn">
          {worn.map((item) => (
            <ThingMenu
              key={item.id}
              name={item.name}
              detail={`(${slotWords(slotsOf(item.id))})`}
              actions={thingActions('worn', item, room, inventory)}
              canAct={canAct}
              onCommand={onCommand}
              tone="item"
            />
          ))}
        </ul>
      )}
      <h2 className={styles.heading}>Carried</h2>
      {inventory.carried.length === 0 ? (
        <p className={styles.none}>Empty hands and pockets.</p>
      ) : (
        <ul className={styles.list} aria-label="Carried">
          {inventory.carried.map((item) => (
            <ThingMenu
              key={item.id}
              name={item.name}
              actions={thingActions('carried', item, room, inventory)}
              canAct={canAct}
              onCommand={onCommand}
              tone="item"
            />
          ))}
        </ul>
      )}
      <p className={styles.load}>
        <span>
          {pounds(inventory.weight)} / {pounds(inventory.max_weight)} lb
        </span>
        <span>
          {inventory.things} / {inventory.max_things} things
        </span>
      </p>
    </section>
  );
}

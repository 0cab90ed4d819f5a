import { useSyncExternalStore } from 'react';
import type { GameSnapshot, GameStore } from './store';

/** Re-render when the store changes; returns its current snapshot. */
export function useGameSnapshot(store: GameStore): GameSnapshot {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

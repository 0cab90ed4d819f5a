import type { GameConnection } from './connection';
import type { GameStore } from './gameStore';

/** What the end-to-end tests may reach on `window.__mythosE2E`, only with `?e2e=1`. */
export interface E2EHooks {
  /** cut the WebSocket abruptly, as a network failure would */
  dropConnection(): void;
  /** where the client stands in its stream */
  stream(): { epoch: string | null; lastSeq: number; resyncs: number; status: string };
}

declare global {
  interface Window {
    __mythosE2E?: E2EHooks;
  }
}

export function e2eEnabled(search: string): boolean {
  return new URLSearchParams(search).get('e2e') === '1';
}

/** Expose the hooks when the page was opened with `?e2e=1`; returns the clean-up. */
export function installE2EHooks(connection: GameConnection, store: GameStore): () => void {
  if (typeof window === 'undefined' || !e2eEnabled(window.location.search)) return () => {};
  const hooks: E2EHooks = {
    dropConnection: () => connection.simulateDrop(),
    stream: () => {
      const state = store.getState();
      return {
        epoch: state.stream.epoch,
        lastSeq: state.stream.lastSeq,
        resyncs: state.resyncs,
        status: state.connection.status,
      };
    },
  };
  window.__mythosE2E = hooks;
  return () => {
    if (window.__mythosE2E === hooks) delete window.__mythosE2E;
  };
}

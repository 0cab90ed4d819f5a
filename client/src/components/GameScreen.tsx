import { useCallback, useEffect, useRef, useState } from 'react';
import type { Session } from '../auth';
import { parseCommandLine, toClientCommand } from '../commandLine';
import { GameConnection } from '../connection';
import { gameSocketUrl } from '../protocol';
import { GameStore } from '../store';
import { useGameSnapshot } from '../useGameStore';
import { CommandInput } from './CommandInput';
import { ConnectionIndicator } from './ConnectionIndicator';
import { GameLog } from './GameLog';
import { RoomPanel } from './RoomPanel';
import styles from './GameScreen.module.css';

interface GameScreenProps {
  session: Session;
  onLogout: () => void;
  /** the token was refused or has expired */
  onAuthLost: (message: string) => void;
}

function isTypingTarget(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

/** The game: connection status, the log, the room and the command line. */
export function GameScreen({ session, onLogout, onAuthLost }: GameScreenProps) {
  const [store] = useState(() => new GameStore());
  const snapshot = useGameSnapshot(store);
  const connection = useRef<GameConnection | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const authLost = useRef(onAuthLost);

  useEffect(() => {
    authLost.current = onAuthLost;
  }, [onAuthLost]);

  useEffect(() => {
    const next = new GameConnection({
      url: gameSocketUrl(window.location),
      token: session.token,
      tokenExpiresAt: session.expiresAt,
      store,
      onAuthLost: (message) => authLost.current(message),
    });
    connection.current = next;
    next.connect();
    return () => {
      next.stop();
      if (connection.current === next) connection.current = null;
    };
  }, [session, store]);

  // Typing anywhere on the page goes to the command line.
  useEffect(() => {
    function handleKeyDown(event: KeyboardEvent) {
      if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
      if (isTypingTarget(event.target)) return;
      input.current?.focus();
    }
    document.addEventListener('keydown', handleKeyDown);
    return () => document.removeEventListener('keydown', handleKeyDown);
  }, []);

  const sendLine = useCallback(
    (line: string) => {
      const parsed = parseCommandLine(line);
      if (parsed === null) return;
      store.addLocal('input', `> ${line.trim()}`);
      const sent = connection.current?.send(toClientCommand(parsed)) ?? false;
      if (!sent) store.addLocal('system', 'You are not connected; the command was not sent.');
    },
    [store],
  );

  const handleGo = useCallback(
    (direction: string) => {
      sendLine(`go ${direction}`);
      input.current?.focus();
    },
    [sendLine],
  );

  const { status } = snapshot;
  return (
    <div className={styles.screen}>
      <header className={styles.header}>
        <h1 className={styles.title}>MYTHOS</h1>
        <span className={styles.who}>
          {snapshot.player !== null ? `${snapshot.player.name} · Arkham` : 'Arkham'}
        </span>
        <div className={styles.spacer} />
        <ConnectionIndicator status={status} detail={snapshot.statusDetail} />
        {status === 'disconnected' && (
          <button
            type="button"
            className={styles.headerButton}
            onClick={() => connection.current?.reconnectNow()}
          >
            Reconnect
          </button>
        )}
        <button type="button" className={styles.headerButton} onClick={onLogout}>
          Log out
        </button>
      </header>

      <main className={styles.main}>
        <GameLog entries={snapshot.log} />
        <RoomPanel
          room={snapshot.room}
          you={snapshot.player?.name}
          canAct={status === 'connected'}
          onGo={handleGo}
        />
      </main>

      <CommandInput ref={input} onSubmit={sendLine} />
    </div>
  );
}

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { tokenRole } from '../auth';
import type { AuthSession } from '../authSession';
import { parseCommandLine } from '../commandLine';
import { commandWords, type CompletionSource } from '../completion';
import { GameConnection } from '../connection';
import { createGameStore } from '../gameStore';
import { DEFAULT_HISTORY_KEY } from '../history';
import { gameSocketUrl } from '../protocol';
import { browserStorage } from '../storage';
import { installE2EHooks } from '../testHooks';
import { ChatPanel } from './ChatPanel';
import { CommandInput } from './CommandInput';
import { ConnectionIndicator } from './ConnectionIndicator';
import { GameLog } from './GameLog';
import { InventoryPanel } from './InventoryPanel';
import { RoomPanel } from './RoomPanel';
import { StatusPanel } from './StatusPanel';
import styles from './GameScreen.module.css';

interface GameScreenProps {
  auth: AuthSession;
  onLogout: () => void;
  /** the login is over: back to the form with this message */
  onAuthLost: (message: string) => void;
}

function isTypingTarget(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))
  );
}

/** The game: status, the log, the room, chat and the command line. */
export function GameScreen({ auth, onLogout, onAuthLost }: GameScreenProps) {
  const [store] = useState(createGameStore);
  const connection = useStore(store, (state) => state.connection);
  const log = useStore(store, (state) => state.log);
  const room = useStore(store, (state) => state.room);
  const player = useStore(store, (state) => state.player);
  const stats = useStore(store, (state) => state.stats);
  const tick = useStore(store, (state) => state.tick);
  const character = useStore(store, (state) => state.character);
  const inventory = useStore(store, (state) => state.inventory);
  const chat = useStore(store, (state) => state.chat);
  const selectChannel = useStore(store, (state) => state.selectChannel);
  const link = useRef<GameConnection | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const logScroller = useRef<HTMLDivElement>(null);
  const authLost = useRef(onAuthLost);

  useEffect(() => {
    authLost.current = onAuthLost;
  }, [onAuthLost]);

  useEffect(() => {
    const next = new GameConnection({
      url: gameSocketUrl(window.location),
      store,
      auth,
      onAuthLost: (message) => authLost.current(message),
    });
    link.current = next;
    const removeHooks = installE2EHooks(next, store);
    next.start();
    const online = () => {
      if (store.getState().connection.status !== 'connected') next.reconnectNow();
    };
    window.addEventListener('online', online);
    return () => {
      window.removeEventListener('online', online);
      removeHooks();
      next.stop();
      if (link.current === next) link.current = null;
    };
  }, [auth, store]);

  // Typing anywhere on the page goes to the command line.
  useEffect(() => {
    function handleKeyDown(event: KeyboardEvent) {
      if (event.ctrlKey || event.metaKey || event.altKey || event.key.length !== 1) return;
      if (isTypingTarget(event.target)) return;
      // Space on a focused button presses it (a creature's commands, an exit).
      if (event.key === ' ' && event.target instanceof HTMLButtonElement) return;
      input.current?.focus();
    }
    document.addEventListener('keydown', handleKeyDown);
    return () => document.removeEventListener('keydown', handleKeyDown);
  }, []);

  const sendLine = useCallback(
    (line: string) => {
      const parsed = parseCommandLine(line);
      if (parsed === null) return;
      const state = store.getState();
      state.addLine('input', `> ${line.trim()}`);
      const result = link.current?.send(parsed) ?? 'full';
      if (result === 'queued') state.addLine('system', 'Not connected: the command will be sent when the connection is back.');
      if (result === 'full') state.addLine('error', 'Too many commands are waiting; this one was not sent.');
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

  // A command picked from a creature's or an item's list: sent as if typed.
  const handleCommand = useCallback(
    (command: string) => {
      sendLine(command);
      input.current?.focus();
    },
    [sendLine],
  );

  // The role only decides what completes; the server refuses admin commands to anyone else.
  const commands = useMemo(() => commandWords({ admin: tokenRole(auth.tokens.accessToken) === 'admin' }), [auth]);

  const completions = useCallback((): CompletionSource => {
    const state = store.getState();
    const you = state.player?.name;
    return {
      commands,
      players: (state.room?.occupants ?? []).filter((name) => name !== you),
      exits: Object.keys(state.room?.exits ?? {}),
    };
  }, [store, commands]);

  const pageLog = useCallback((direction: -1 | 1) => {
    const element = logScroller.current;
    if (element !== null) element.scrollTop += direction * Math.max(40, element.clientHeight - 40);
  }, []);

  const channelShortcut = useCallback(
    (index: number) => {
      const channel = store.getState().chat.channels[index];
      if (channel !== undefined) selectChannel(channel);
    },
    [store, selectChannel],
  );

  const { status } = connection;
  return (
    <div className={styles.screen}>
      <header className={styles.header}>
        <h1 className={styles.title}>MYTHOS</h1>
        <span className={styles.who}>{room !== null ? room.name : 'Arkham'}</span>
        <div className={styles.spacer} />
        <ConnectionIndicator connection={connection} />
        {connection.canReconnect && status !== 'connected' && (
          <button
            type="button"
            className={styles.headerButton}
            onClick={() => {
              link.current?.reconnectNow();
              input.current?.focus();
            }}
          >
            {status === 'disconnected' ? 'Reconnect' : 'Reconnect now'}
          </button>
        )}
        <button type="button" className={styles.headerButton} onClick={onLogout}>
          Log out
        </button>
      </header>

      <main className={styles.main}>
        <div className={styles.log}>
          <GameLog entries={log} scrollerRef={logScroller} />
        </div>
        <aside className={styles.sheet} aria-label="Character and inventory">
          <StatusPanel player={player} fallbackName={auth.username} character={character} stats={stats} tick={tick} />
          <InventoryPanel inventory={inventory} room={room} canAct={status === 'connected'} onCommand={handleCommand} />
        </aside>
        <aside className={styles.side} aria-label="Room and chat">
          <RoomPanel
            room={room}
            you={player?.name}
            canAct={status === 'connected'}
            onGo={handleGo}
            onCommand={handleCommand}
            inventory={inventory}
          />
          <ChatPanel chat={chat} onSelect={selectChannel} onClicked={() => input.current?.focus()} />
        </aside>
      </main>

      <CommandInput
        ref={input}
        onSubmit={sendLine}
        completions={completions}
        onPage={pageLog}
        onChannelShortcut={channelShortcut}
        historyStorage={browserStorage('local')}
        historyKey={`${DEFAULT_HISTORY_KEY}.${auth.username.toLowerCase()}`}
      />
    </div>
  );
}

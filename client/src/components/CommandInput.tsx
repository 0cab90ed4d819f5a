import { useState, type KeyboardEvent, type Ref } from 'react';
import { TabCompleter, type CompletionSource } from '../completion';
import { CommandHistory, type KeyValueStorage } from '../history';
import styles from './CommandInput.module.css';

interface CommandInputProps {
  /** called with the typed line when Enter is pressed */
  onSubmit: (line: string) => void;
  /** what Tab completes to, read at the moment Tab is pressed */
  completions: () => CompletionSource;
  /** PageUp / PageDown: scroll the log by a page (-1 up, 1 down) */
  onPage?: (direction: -1 | 1) => void;
  /** Alt+1…9: show that chat tab */
  onChannelShortcut?: (index: number) => void;
  /** where the history is kept between visits (localStorage), and under which key */
  historyStorage?: KeyValueStorage | null;
  historyKey?: string;
  ref?: Ref<HTMLInputElement>;
}

/**
 * The command line: Enter sends, Up/Down walk the history, Tab completes command and
 * player names (Shift+Tab cycles back), Escape clears, PageUp/PageDown scroll the log.
 */
export function CommandInput({
  onSubmit,
  completions,
  onPage,
  onChannelShortcut,
  historyStorage = null,
  historyKey,
  ref,
}: CommandInputProps) {
  const [value, setValue] = useState('');
  const [history] = useState(
    () => new CommandHistory({ storage: historyStorage, ...(historyKey !== undefined ? { key: historyKey } : {}) }),
  );
  const [completer] = useState(() => new TabCompleter());

  function submit() {
    if (value.trim() === '') return;
    history.push(value);
    completer.reset();
    onSubmit(value);
    setValue('');
  }

  function handleKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Tab') {
      // An empty line lets Tab move focus as usual, so the page stays keyboard-navigable.
      if (value.trim() === '') return;
      event.preventDefault();
      const completed = completer.complete(value, completions(), event.shiftKey);
      if (completed !== null) setValue(completed);
      return;
    }
    if (event.key === 'ArrowUp') {
      const line = history.previous(value);
      if (line !== null) setValue(line);
      event.preventDefault();
    } else if (event.key === 'ArrowDown') {
      const line = history.next();
      if (line !== null) setValue(line);
      event.preventDefault();
    } else if (event.key === 'Escape') {
      setValue('');
    } else if (event.key === 'PageUp' || event.key === 'PageDown') {
      onPage?.(event.key === 'PageUp' ? -1 : 1);
      event.preventDefault();
    } else if (event.altKey && /^[1-9]$/.test(event.key)) {
      onChannelShortcut?.(Number(event.key) - 1);
      event.preventDefault();
    }
    if (event.key !== 'Shift') completer.reset();
  }

  return (
    <form
      className={styles.form}
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <span className={styles.prompt} aria-hidden="true">
        &gt;
      </span>
      <input
        ref={ref}
        className={styles.input}
        aria-label="Command"
        aria-describedby="command-help"
        placeholder="look, go north, 'hello…"
        autoComplete="off"
        autoCapitalize="off"
        autoCorrect="off"
        spellCheck={false}
        autoFocus
        maxLength={4000}
        value={value}
        onChange={(event) => setValue(event.target.value)}
        onKeyDown={handleKeyDown}
      />
      <span id="command-help" className={styles.help}>
        Enter sends · ↑↓ history · Tab completes · PgUp/PgDn scroll · Alt+1–4 chat tabs
      </span>
    </form>
  );
}

import { useState, type KeyboardEvent, type Ref } from 'react';
import { CommandHistory } from '../history';
import styles from './CommandInput.module.css';

interface CommandInputProps {
  /** called with the typed line when Enter is pressed */
  onSubmit: (line: string) => void;
  ref?: Ref<HTMLInputElement>;
}

/** The command line: Enter sends, Up/Down walk the history, Escape clears. */
export function CommandInput({ onSubmit, ref }: CommandInputProps) {
  const [value, setValue] = useState('');
  const [history] = useState(() => new CommandHistory());

  function submit() {
    if (value.trim() === '') return;
    history.push(value);
    onSubmit(value);
    setValue('');
  }

  function handleKeyDown(event: KeyboardEvent<HTMLInputElement>) {
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
    }
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
    </form>
  );
}

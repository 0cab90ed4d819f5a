import { useState, type FormEvent } from 'react';
import { AuthError, login, register, type Session } from '../auth';
import styles from './LoginForm.module.css';

interface LoginFormProps {
  onLoggedIn: (session: Session) => void;
  /** a message to show above the form, e.g. why the last session ended */
  notice?: string;
}

type Action = 'login' | 'register';

function messageOf(error: unknown): string {
  return error instanceof AuthError ? error.message : 'Something went wrong. Please try again.';
}

/** Username, password and two buttons: log in, or create the account and then log in. */
export function LoginForm({ onLoggedIn, notice = '' }: LoginFormProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<Action | null>(null);
  const [error, setError] = useState('');

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy !== null) return;
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const action: Action =
      submitter instanceof HTMLButtonElement && submitter.value === 'register' ? 'register' : 'login';
    setBusy(action);
    setError('');
    try {
      if (action === 'register') await register(username, password);
      const session = await login(username, password);
      onLoggedIn(session);
    } catch (caught) {
      setError(messageOf(caught));
      setBusy(null);
    }
  }

  return (
    <main className={styles.screen}>
      <form className={styles.form} onSubmit={(event) => void handleSubmit(event)}>
        <h1 className={styles.title}>MYTHOS</h1>
        <p className={styles.tagline}>Arkham, Massachusetts. The lamps are lit; something stirs.</p>

        {notice !== '' && error === '' && <p className={styles.notice}>{notice}</p>}

        <label className={styles.field}>
          <span>Name</span>
          <input
            name="username"
            autoComplete="username"
            autoFocus
            required
            spellCheck={false}
            value={username}
            onChange={(event) => setUsername(event.target.value)}
          />
        </label>
        <label className={styles.field}>
          <span>Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>

        {error !== '' && (
          <p className={styles.error} role="alert">
            {error}
          </p>
        )}

        <div className={styles.buttons}>
          <button type="submit" name="action" value="login" disabled={busy !== null}>
            {busy === 'login' ? 'Logging in…' : 'Log in'}
          </button>
          <button
            type="submit"
            name="action"
            value="register"
            className={styles.secondary}
            disabled={busy !== null}
          >
            {busy === 'register' ? 'Creating…' : 'Create account'}
          </button>
        </div>
      </form>
    </main>
  );
}

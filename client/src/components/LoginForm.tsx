import { useState, type FormEvent } from 'react';
import { AuthError, login, register, type TokenGrant } from '../auth';
import { useCountdown } from '../useCountdown';
import styles from './LoginForm.module.css';

interface LoginFormProps {
  onLoggedIn: (username: string, grant: TokenGrant) => void;
  /** a message to show above the form, e.g. why the last session ended */
  notice?: string;
}

type Action = 'login' | 'register';

/** Name, password and two buttons: log in, or create the account and then log in. */
export function LoginForm({ onLoggedIn, notice = '' }: LoginFormProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<Action | null>(null);
  const [error, setError] = useState('');
  const [blockedUntil, setBlockedUntil] = useState<number | null>(null);
  const wait = useCountdown(blockedUntil);
  const blocked = wait > 0;

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy !== null || blocked) return;
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const action: Action =
      submitter instanceof HTMLButtonElement && submitter.value === 'register' ? 'register' : 'login';
    setBusy(action);
    setError('');
    setBlockedUntil(null);
    try {
      if (action === 'register') await register(username, password);
      const grant = await login(username, password);
      onLoggedIn(username, grant);
    } catch (caught) {
      if (caught instanceof AuthError) {
        setError(caught.message);
        if (caught.retryAfter !== null) setBlockedUntil(Date.now() + caught.retryAfter * 1000);
      } else {
        setError('Something went wrong. Please try again.');
      }
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
        {blocked && (
          <p className={styles.wait} data-testid="retry-countdown">
            You can try again in {wait} s.
          </p>
        )}

        <div className={styles.buttons}>
          <button type="submit" name="action" value="login" disabled={busy !== null || blocked}>
            {busy === 'login' ? 'Logging in…' : 'Log in'}
          </button>
          <button
            type="submit"
            name="action"
            value="register"
            className={styles.secondary}
            disabled={busy !== null || blocked}
          >
            {busy === 'register' ? 'Creating…' : 'Create account'}
          </button>
        </div>
      </form>
    </main>
  );
}

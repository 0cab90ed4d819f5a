import { useCallback, useState } from 'react';
import type { Session } from './auth';
import { GameScreen } from './components/GameScreen';
import { LoginForm } from './components/LoginForm';

/** Logged out: the login form. Logged in: the game. The token lives in memory only. */
export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [notice, setNotice] = useState('');

  const handleLoggedIn = useCallback((next: Session) => {
    setNotice('');
    setSession(next);
  }, []);

  const handleLogout = useCallback(() => {
    setNotice('You have left Arkham. Come back soon.');
    setSession(null);
  }, []);

  const handleAuthLost = useCallback((message: string) => {
    setNotice(message);
    setSession(null);
  }, []);

  if (session === null) {
    return <LoginForm onLoggedIn={handleLoggedIn} notice={notice} />;
  }
  return <GameScreen session={session} onLogout={handleLogout} onAuthLost={handleAuthLost} />;
}

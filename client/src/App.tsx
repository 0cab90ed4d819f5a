import { useCallback, useEffect, useState } from 'react';
import type { TokenGrant } from './auth';
import { AuthSession, loadSession } from './authSession';
import { GameScreen } from './components/GameScreen';
import { LoginForm } from './components/LoginForm';
import { browserStorage } from './storage';

/**
 * Logged out: the login form. Logged in: the game. The tokens are kept for this tab
 * (sessionStorage), so a reload goes straight back into the game.
 */
export function App() {
  const [notice, setNotice] = useState('');
  const [auth, setAuth] = useState<AuthSession | null>(() => {
    const stored = loadSession(browserStorage('session'));
    return stored === null ? null : new AuthSession(stored, { storage: browserStorage('session') });
  });

  const endSession = useCallback((message: string) => {
    setNotice(message);
    setAuth(null);
  }, []);

  // Keep the tokens fresh while logged in; a refused refresh ends the session.
  useEffect(() => {
    if (auth === null) return undefined;
    auth.start(endSession);
    return () => auth.stop();
  }, [auth, endSession]);

  const handleLoggedIn = useCallback(
    (username: string, grant: TokenGrant) => {
      setNotice('');
      setAuth(AuthSession.fromGrant(username, grant, { storage: browserStorage('session') }));
    },
    [],
  );

  const handleLogout = useCallback(() => {
    void auth?.logout();
    endSession('You have left Arkham. Come back soon.');
  }, [auth, endSession]);

  if (auth === null) return <LoginForm onLoggedIn={handleLoggedIn} notice={notice} />;
  return <GameScreen auth={auth} onLogout={handleLogout} onAuthLost={endSession} />;
}

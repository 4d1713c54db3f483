import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import {
  clearOriginalToken,
  clearTokens,
  readOriginalToken,
  readToken,
  storeOriginalToken,
  storeToken,
} from './token';

export interface Session {
  /** The bearer token requests carry, or null when signed out. */
  token: string | null;
  /** Why the last session ended without the user asking, to tell them on the sign-in page. */
  endedBecause: string | null;
  signIn: (token: string) => void;
  /** Forgets every token; `reason` is shown on the sign-in page. */
  signOut: (reason?: string) => void;
  /** Switches to a login-as token, keeping the operator's own to come back to. */
  beginImpersonation: (token: string) => void;
  /** Drops the login-as token and restores the operator's own. */
  endImpersonation: () => void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(readToken);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);

  const signIn = useCallback((next: string) => {
    clearTokens();
    storeToken(next);
    setEndedBecause(null);
    setToken(next);
  }, []);

  const signOut = useCallback((reason?: string) => {
    clearTokens();
    setEndedBecause(reason ?? null);
    setToken(null);
  }, []);

  const beginImpersonation = useCallback((next: string) => {
    const own = readToken();
    if (own !== null && readOriginalToken() === null) storeOriginalToken(own);
    storeToken(next);
    setToken(next);
  }, []);

  const endImpersonation = useCallback(() => {
    const own = readOriginalToken();
    clearOriginalToken();
    if (own === null) {
      clearTokens();
      setToken(null);
      return;
    }
    storeToken(own);
    setToken(own);
  }, []);

  const value = useMemo<Session>(
    () => ({ token, endedBecause, signIn, signOut, beginImpersonation, endImpersonation }),
    [token, endedBecause, signIn, signOut, beginImpersonation, endImpersonation],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside SessionProvider');
  return session;
}

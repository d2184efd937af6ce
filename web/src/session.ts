// The login session: the bearer token and the user, kept in localStorage so a reload stays logged in.
import { useEffect, useState } from 'preact/hooks';

export interface SessionUser {
  id: string;
  email: string;
  role: 'admin' | 'member';
}
export interface Session {
  token: string;
  user: SessionUser;
  expiresAt?: string;
}

const KEY = 'bolt.session';
let current: Session | null = read();
const listeners = new Set<() => void>();

function read(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    if (s.expiresAt && Date.parse(s.expiresAt) < Date.now()) return null;
    return s;
  } catch {
    return null;
  }
}

export const getSession = (): Session | null => current;

export function setSession(s: Session | null): void {
  current = s;
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
  for (const l of listeners) l();
}

/** The session, re-rendering the caller when it changes (login, logout, a 401). */
export function useSession(): Session | null {
  const [, tick] = useState(0);
  useEffect(() => {
    const l = () => tick((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return current;
}

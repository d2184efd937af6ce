// Log in with email and password; the session (token and user) survives a reload.
import { useState } from 'preact/hooks';
import { LoginSchema } from '../../../api/schemas';
import { useAction, validationFailure } from '../action';
import { api } from '../api';
import { ErrorNote } from '../components/ui';
import { setSession, type SessionUser } from '../session';

export function Login() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, setError, run } = useAction();

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const parsed = LoginSchema.safeParse({ email, password });
    if (!parsed.success) return setError(validationFailure('check the form', parsed.error.issues));
    await run(async () => {
      const r = await api<{ token: string; expiresAt: string; user: SessionUser }>('/api/auth/login', { method: 'POST', body: parsed.data });
      setSession({ token: r.token, user: r.user, expiresAt: r.expiresAt });
    });
  };

  return (
    <section class="login">
      <h1>Bolt IA</h1>
      <p>Scripts by Gemini, narration by Google Text-to-Speech, for whole lists of titles at once.</p>
      <form onSubmit={submit} aria-label="Log in">
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <ErrorNote error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </section>
  );
}

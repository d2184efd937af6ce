// Log in with email and password; the session (token and user) survives a reload.
import { useState } from 'preact/hooks';
import { LoginSchema } from '../../../api/schemas';
import { api, ApiFailure } from '../api';
import { ErrorNote } from '../components/ui';
import { setSession, type SessionUser } from '../session';

export function Login() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const parsed = LoginSchema.safeParse({ email, password });
    if (!parsed.success) {
      setError(new ApiFailure(400, 'validation_error', 'check the form', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))));
      return;
    }
    setBusy(true);
    try {
      const r = await api<{ token: string; expiresAt: string; user: SessionUser }>('/api/auth/login', { method: 'POST', body: parsed.data });
      setSession({ token: r.token, user: r.user, expiresAt: r.expiresAt });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
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

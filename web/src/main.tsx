// The page's entry: the shell (navigation, simulated-provider banner, session) and the screen the path names.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { Link } from './components/ui';
import { navigate, useLocation } from './router';
import { setSession, useSession } from './session';
import { Login } from './screens/Login';
import { NewBatch } from './screens/NewBatch';
import { BatchScreen } from './screens/BatchScreen';
import { JobScreen } from './screens/JobScreen';
import { History } from './screens/History';
import { KeysScreen } from './screens/KeysScreen';
import { UsersScreen } from './screens/UsersScreen';
import './styles.css';

interface StatusAnswer {
  providers: { gemini: 'google' | 'simulator'; tts: 'google' | 'simulator' };
}

function SimulatedBanner() {
  const [status, setStatus] = useState<StatusAnswer | null>(null);
  useEffect(() => {
    api<StatusAnswer>('/api/status').then(setStatus, () => undefined);
  }, []);
  if (!status) return null;
  const simulated = (['gemini', 'tts'] as const).filter((p) => status.providers[p] === 'simulator');
  if (simulated.length === 0) return null;
  const names = simulated.map((p) => (p === 'gemini' ? 'Gemini' : 'Text-to-Speech')).join(' and ');
  return (
    <p class="banner" role="status" data-testid="simulated-banner">
      Simulated providers: {names} {simulated.length > 1 ? 'are' : 'is'} the built-in simulator. Scripts and audio are not real.
    </p>
  );
}

function Screen({ path }: { path: string }) {
  let m: RegExpMatchArray | null;
  if ((m = path.match(/^\/batches\/([0-9a-f-]{36})$/))) return <BatchScreen id={m[1]!} />;
  if ((m = path.match(/^\/jobs\/([0-9a-f-]{36})$/))) return <JobScreen id={m[1]!} />;
  if (path === '/history') return <History />;
  if (path === '/admin/keys') return <KeysScreen />;
  if (path === '/admin/users') return <UsersScreen />;
  if (path === '/' || path === '/new') return <NewBatch />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{path}</code>. <Link href="/">Start a batch</Link>.
      </p>
    </section>
  );
}

function App() {
  const session = useSession();
  const { path } = useLocation();
  // The e2e suite reads this mark: the time from navigation to the first screen on the page.
  useEffect(() => void performance.mark('bolt:first-render'), []);
  if (!session) {
    return (
      <>
        <SimulatedBanner />
        <main id="main">
          <Login />
        </main>
      </>
    );
  }
  const nav = [
    ['/', 'New batch'],
    ['/history', 'History'],
    ...(session.user.role === 'admin' ? [['/admin/keys', 'Key pool'], ['/admin/users', 'Users']] : []),
  ] as Array<[string, string]>;
  const logout = async () => {
    await api('/api/auth/logout', { method: 'POST' }).catch(() => undefined);
    setSession(null);
    navigate('/');
  };
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <SimulatedBanner />
      <header class="top">
        <span class="brand">Bolt IA</span>
        <nav aria-label="Main">
          {nav.map(([href, label]) => (
            <Link key={href} href={href} aria-current={path === href || (href === '/' && path === '/new') ? 'page' : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        <span class="who">{session.user.email}</span>
        <button type="button" class="link" onClick={logout}>
          Log out
        </button>
      </header>
      <main id="main">
        <Screen path={path} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);

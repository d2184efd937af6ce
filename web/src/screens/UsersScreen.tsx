// Admin: users — list, create (email, password, role) and delete.
import { useState } from 'preact/hooks';
import { CreateUserSchema } from '../../../api/schemas';
import { validationFailure } from '../action';
import { api } from '../api';
import { DataTable } from '../components/DataTable';
import { Select } from '../components/Select';
import { ErrorNote, when } from '../components/ui';
import { useLoad } from '../load';
import { useSession } from '../session';

interface UserRow {
  id: string;
  email: string;
  role: 'admin' | 'member';
  createdAt: string;
}

const COLUMNS = ['Email', 'Role', 'Created', 'Actions'];
const ROLES = ['member', 'admin'];

export function UsersScreen() {
  const session = useSession();
  const users = useLoad(() => api<{ users: UserRow[] }>('/api/users').then((r) => r.users), []);
  const [note, setNote] = useState<string | null>(null);
  if (session?.user.role !== 'admin') return <p>Only admins manage users.</p>;

  const remove = async (u: UserRow) => {
    if (!window.confirm(`Delete ${u.email}?`)) return;
    users.setError(null);
    try {
      await api(`/api/users/${u.id}`, { method: 'DELETE' });
      setNote(`Deleted ${u.email}.`);
      await users.reload();
    } catch (err) {
      users.setError(err);
    }
  };

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <CreateUserForm onNote={setNote} onCreated={users.reload} />
      {note ? <p role="status">{note}</p> : null}
      <ErrorNote error={users.error} />
      <DataTable class="users" columns={COLUMNS}>
        {users.data?.map((u) => (
          <tr key={u.id}>
            <td>{u.email}</td>
            <td>{u.role}</td>
            <td>{when(u.createdAt)}</td>
            <td>
              <button type="button" class="danger" disabled={u.id === session.user.id} onClick={() => remove(u)} aria-label={`Delete ${u.email}`}>
                Delete
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

/** The create form and its error; `onNote` says what happened, `onCreated` reloads the list. */
function CreateUserForm({ onNote, onCreated }: { onNote(note: string | null): void; onCreated(): Promise<void> }) {
  const [formError, setFormError] = useState<unknown>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<'member' | 'admin'>('member');

  const create = async (e: Event) => {
    e.preventDefault();
    setFormError(null);
    onNote(null);
    const parsed = CreateUserSchema.safeParse({ email, password, role });
    if (!parsed.success) return setFormError(validationFailure('check the form', parsed.error.issues));
    try {
      await api('/api/users', { method: 'POST', body: parsed.data });
      onNote(`Created ${parsed.data.email}.`);
      setEmail('');
      setPassword('');
      await onCreated();
    } catch (err) {
      setFormError(err);
    }
  };

  return (
    <>
      <form class="row" onSubmit={create} aria-label="Create a user">
        <label>
          Email
          <input type="email" value={email} required autoComplete="off" onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password (8+ characters)
          <input type="password" value={password} required autoComplete="new-password" onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <Select label="Role" value={role} choices={ROLES} onChange={(v) => setRole(v as 'member' | 'admin')} />
        <button type="submit">Create user</button>
      </form>
      <ErrorNote error={formError} label="Not created" />
    </>
  );
}

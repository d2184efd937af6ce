// Admin: users — list, create (email, password, role) and delete.
import { useEffect, useState } from 'preact/hooks';
import { CreateUserSchema } from '../../../api/schemas';
import { api, ApiFailure } from '../api';
import { ErrorNote, when } from '../components/ui';
import { useSession } from '../session';

interface UserRow {
  id: string;
  email: string;
  role: 'admin' | 'member';
  createdAt: string;
}

export function UsersScreen() {
  const session = useSession();
  const [users, setUsers] = useState<UserRow[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [formError, setFormError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<'member' | 'admin'>('member');
  const load = () => api<{ users: UserRow[] }>('/api/users').then((r) => (setUsers(r.users), setError(null)), setError);
  useEffect(() => void load(), []);
  if (session?.user.role !== 'admin') return <p>Only admins manage users.</p>;

  const create = async (e: Event) => {
    e.preventDefault();
    setFormError(null);
    setNote(null);
    const parsed = CreateUserSchema.safeParse({ email, password, role });
    if (!parsed.success) {
      setFormError(new ApiFailure(400, 'validation_error', 'check the form', parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))));
      return;
    }
    try {
      await api('/api/users', { method: 'POST', body: parsed.data });
      setNote(`Created ${parsed.data.email}.`);
      setEmail('');
      setPassword('');
      await load();
    } catch (err) {
      setFormError(err);
    }
  };
  const remove = async (u: UserRow) => {
    if (!window.confirm(`Delete ${u.email}?`)) return;
    setError(null);
    try {
      await api(`/api/users/${u.id}`, { method: 'DELETE' });
      setNote(`Deleted ${u.email}.`);
      await load();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <form class="row" onSubmit={create} aria-label="Create a user">
        <label>
          Email
          <input type="email" value={email} required autoComplete="off" onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>
        <label>
          Password (8+ characters)
          <input type="password" value={password} required autoComplete="new-password" onInput={(e) => setPassword(e.currentTarget.value)} />
        </label>
        <label>
          Role
          <select value={role} onChange={(e) => setRole(e.currentTarget.value as 'member' | 'admin')}>
            <option value="member">member</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit">Create user</button>
      </form>
      <ErrorNote error={formError} label="Not created" />
      {note ? <p role="status">{note}</p> : null}
      <ErrorNote error={error} />
      <div class="table-wrap">
        <table class="users">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Created</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {users?.map((u) => (
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
          </tbody>
        </table>
      </div>
    </section>
  );
}

// The batch's agent: the default inline one, or a saved agent at a chosen version; edited in place, where
// saving a saved agent makes a new version (PUT) and saving an inline one makes a new agent (POST).
import { useEffect, useState } from 'preact/hooks';
import type { agentView } from '../../../api/agent-routes';
import { AgentInputSchema, AgentSchema } from '../../../api/schemas';
import { api, type Json } from '../api';
import { ErrorNote } from './ui';

export type SavedAgent = Json<ReturnType<typeof agentView>>;
export type AgentFields = { name: string; premisePrompt: string; structurePrompt: string; tone: string; targetMinutes: number };
export interface AgentChoice {
  /** A saved agent and version, or null for the inline agent. */
  saved: { id: string; version: number } | null;
  fields: AgentFields;
}

export const defaultAgent = (): AgentFields => {
  const d = AgentInputSchema.parse({});
  return { ...d, targetMinutes: 0.5 };
};
const fieldsOf = (a: SavedAgent): AgentFields => ({ name: a.name, premisePrompt: a.premisePrompt, structurePrompt: a.structurePrompt, tone: a.tone, targetMinutes: a.targetMinutes });

export function AgentEditor({ value, onChange }: { value: AgentChoice; onChange(v: AgentChoice): void }) {
  const [agents, setAgents] = useState<SavedAgent[]>([]);
  const [versions, setVersions] = useState<SavedAgent[]>([]);
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const refresh = () => api<{ agents: SavedAgent[] }>('/api/agents?pageSize=200').then((r) => setAgents(r.agents), setError);
  useEffect(() => void refresh(), []);
  useEffect(() => {
    if (!value.saved) return setVersions([]);
    api<{ versions: SavedAgent[] }>(`/api/agents/${value.saved.id}/versions`).then((r) => setVersions(r.versions), setError);
  }, [value.saved?.id]);

  const pick = (id: string) => {
    setSaved(null);
    const a = agents.find((x) => x.id === id);
    onChange(a ? { saved: { id: a.id, version: a.currentVersion }, fields: fieldsOf(a) } : { saved: null, fields: defaultAgent() });
  };
  const pickVersion = (v: number) => {
    const a = versions.find((x) => x.version === v);
    if (a && value.saved) onChange({ saved: { id: value.saved.id, version: v }, fields: fieldsOf(a) });
  };
  const set = (k: keyof AgentFields, v: string) => onChange({ ...value, fields: { ...value.fields, [k]: k === 'targetMinutes' ? Number(v) : v } });

  const save = async () => {
    setError(null);
    try {
      const body = AgentSchema.parse({ ...value.fields, masterLanguage: null });
      const r = value.saved
        ? await api<{ agent: SavedAgent }>(`/api/agents/${value.saved.id}`, { method: 'PUT', body })
        : await api<{ agent: SavedAgent }>('/api/agents', { method: 'POST', body });
      await refresh();
      onChange({ saved: { id: r.agent.id, version: r.agent.version }, fields: fieldsOf(r.agent) });
      setSaved(`Saved “${r.agent.name}” as version ${r.agent.version}.`);
      setEditing(false);
    } catch (err) {
      setError(err);
    }
  };

  return (
    <fieldset>
      <legend>Agent</legend>
      <div class="row">
        <label>
          Agent
          <select value={value.saved?.id ?? ''} onChange={(e) => pick(e.currentTarget.value)}>
            <option value="">Default narrator (not saved)</option>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} (v{a.currentVersion})
              </option>
            ))}
          </select>
        </label>
        {value.saved && versions.length > 0 ? (
          <label>
            Version
            <select value={String(value.saved.version)} onChange={(e) => pickVersion(Number(e.currentTarget.value))}>
              {versions.map((v) => (
                <option key={v.version} value={String(v.version)}>
                  v{v.version}
                </option>
              ))}
            </select>
          </label>
        ) : null}
        <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          {editing ? 'Close editor' : value.saved ? 'Edit agent' : 'Edit or save as new agent'}
        </button>
      </div>
      <p class="muted">
        {value.fields.name} · {value.fields.tone} · {value.fields.targetMinutes} min
      </p>
      {saved ? <p role="status">{saved}</p> : null}
      {editing ? (
        <div class="agent-edit">
          <label>
            Name
            <input value={value.fields.name} maxLength={100} onInput={(e) => set('name', e.currentTarget.value)} />
          </label>
          <label>
            Premise prompt
            <textarea rows={3} value={value.fields.premisePrompt} onInput={(e) => set('premisePrompt', e.currentTarget.value)} />
          </label>
          <label>
            Structure prompt
            <textarea rows={3} value={value.fields.structurePrompt} onInput={(e) => set('structurePrompt', e.currentTarget.value)} />
          </label>
          <label>
            Tone
            <input value={value.fields.tone} maxLength={200} onInput={(e) => set('tone', e.currentTarget.value)} />
          </label>
          <label>
            Target minutes
            <input type="number" min={0.1} max={60} step={0.1} value={value.fields.targetMinutes} onInput={(e) => set('targetMinutes', e.currentTarget.value)} />
          </label>
          <button type="button" onClick={save}>
            {value.saved ? 'Save as a new version' : 'Save as a new agent'}
          </button>
        </div>
      ) : null}
      <ErrorNote error={error} />
    </fieldset>
  );
}

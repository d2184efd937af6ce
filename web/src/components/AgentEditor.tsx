// The batch's agent: the default inline one, or a saved agent at a chosen version; edited in place, where
// saving a saved agent makes a new version (PUT) and saving an inline one makes a new agent (POST).
import { useEffect, useState } from 'preact/hooks';
import type { agentView } from '../../../api/agent-routes';
import { AgentInputSchema, AgentSchema } from '../../../api/schemas';
import { api, type Json } from '../api';
import { Select } from './Select';
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
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const { agents, versions, refresh } = useAgentLists(value.saved?.id, setError);

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
        <Select label="Agent" value={value.saved?.id ?? ''} choices={[['', 'Default narrator (not saved)'] as const, ...agents.map((a) => [a.id, `${a.name} (v${a.currentVersion})`] as const)]} onChange={pick} />
        {value.saved && versions.length > 0 ? (
          <Select label="Version" value={String(value.saved.version)} choices={versions.map((v) => [String(v.version), `v${v.version}`] as const)} onChange={(v) => pickVersion(Number(v))} />
        ) : null}
        <button type="button" aria-expanded={editing} onClick={() => setEditing(!editing)}>
          {editing ? 'Close editor' : value.saved ? 'Edit agent' : 'Edit or save as new agent'}
        </button>
      </div>
      <p class="muted">
        {value.fields.name} · {value.fields.tone} · {value.fields.targetMinutes} min
      </p>
      {saved ? <p role="status">{saved}</p> : null}
      {editing ? <AgentFieldsForm fields={value.fields} asVersion={value.saved !== null} onSet={set} onSave={save} /> : null}
      <ErrorNote error={error} />
    </fieldset>
  );
}

/** The saved agents, and the versions of the one chosen; errors go to `onError`. */
function useAgentLists(savedId: string | undefined, onError: (err: unknown) => void) {
  const [agents, setAgents] = useState<SavedAgent[]>([]);
  const [versions, setVersions] = useState<SavedAgent[]>([]);
  const refresh = () => api<{ agents: SavedAgent[] }>('/api/agents?pageSize=200').then((r) => setAgents(r.agents), onError);
  useEffect(() => void refresh(), []);
  useEffect(() => {
    if (!savedId) return setVersions([]);
    api<{ versions: SavedAgent[] }>(`/api/agents/${savedId}/versions`).then((r) => setVersions(r.versions), onError);
  }, [savedId]);
  return { agents, versions, refresh };
}

interface FormProps {
  fields: AgentFields;
  /** Saving makes a new version of the saved agent (else a new agent). */
  asVersion: boolean;
  onSet(k: keyof AgentFields, v: string): void;
  onSave(): void;
}

function AgentFieldsForm({ fields, asVersion, onSet, onSave }: FormProps) {
  return (
    <div class="agent-edit">
      <label>
        Name
        <input value={fields.name} maxLength={100} onInput={(e) => onSet('name', e.currentTarget.value)} />
      </label>
      <label>
        Premise prompt
        <textarea rows={3} value={fields.premisePrompt} onInput={(e) => onSet('premisePrompt', e.currentTarget.value)} />
      </label>
      <label>
        Structure prompt
        <textarea rows={3} value={fields.structurePrompt} onInput={(e) => onSet('structurePrompt', e.currentTarget.value)} />
      </label>
      <label>
        Tone
        <input value={fields.tone} maxLength={200} onInput={(e) => onSet('tone', e.currentTarget.value)} />
      </label>
      <label>
        Target minutes
        <input type="number" min={0.1} max={60} step={0.1} value={fields.targetMinutes} onInput={(e) => onSet('targetMinutes', e.currentTarget.value)} />
      </label>
      <button type="button" onClick={onSave}>
        {asVersion ? 'Save as a new version' : 'Save as a new agent'}
      </button>
    </div>
  );
}

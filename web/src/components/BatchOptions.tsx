// Batch options: variations, priority, audio format, speaking rate, budget cap, webhook URL and secret.
import { Select } from './Select';

export interface Options {
  variations: number;
  priority: 'low' | 'normal' | 'high';
  encoding: 'MP3' | 'OGG_OPUS' | 'LINEAR16';
  speakingRate: string;
  budgetUsd: string;
  webhookUrl: string;
  webhookSecret: string;
}

const VARIATIONS = ['1', '2', '3', '4', '5'];
const PRIORITIES = ['high', 'normal', 'low'];
const ENCODINGS = [
  ['MP3', 'MP3'],
  ['OGG_OPUS', 'Ogg Opus'],
  ['LINEAR16', 'WAV (LINEAR16)'],
] as const;

export const defaultOptions: Options = { variations: 1, priority: 'normal', encoding: 'MP3', speakingRate: '', budgetUsd: '', webhookUrl: '', webhookSecret: '' };

export function BatchOptions({ value, onChange }: { value: Options; onChange(o: Options): void }) {
  const set = <K extends keyof Options>(k: K, v: Options[K]) => onChange({ ...value, [k]: v });
  return (
    <fieldset class="options">
      <legend>Options</legend>
      <div class="grid2">
        <Select label="Variations" value={String(value.variations)} choices={VARIATIONS} onChange={(v) => set('variations', Number(v))} />
        <Select label="Priority" value={value.priority} choices={PRIORITIES} onChange={(v) => set('priority', v as Options['priority'])} />
        <Select label="Audio format" value={value.encoding} choices={ENCODINGS} onChange={(v) => set('encoding', v as Options['encoding'])} />
        <label>
          Speaking rate (0.25–4, empty for the voice's own)
          <input type="number" min={0.25} max={4} step={0.05} value={value.speakingRate} onInput={(e) => set('speakingRate', e.currentTarget.value)} />
        </label>
        <label>
          Budget cap in USD (optional)
          <input type="number" min={0} step={0.01} name="budget" value={value.budgetUsd} onInput={(e) => set('budgetUsd', e.currentTarget.value)} />
        </label>
      </div>
      <div class="grid2">
        <label>
          Webhook URL (optional)
          <input type="url" value={value.webhookUrl} placeholder="https://example.com/hooks/bolt" onInput={(e) => set('webhookUrl', e.currentTarget.value)} />
        </label>
        <label>
          Webhook secret (16+ characters)
          <input type="password" autoComplete="off" value={value.webhookSecret} onInput={(e) => set('webhookSecret', e.currentTarget.value)} />
        </label>
      </div>
    </fieldset>
  );
}

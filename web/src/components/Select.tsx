// A labelled drop-down: each choice a value, or a value and the text it shows.
export type Choice = string | readonly [value: string, text: string];

interface Props {
  label: string;
  value: string;
  choices: readonly Choice[];
  onChange(value: string): void;
}

export function Select({ label, value, choices, onChange }: Props) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        {choices.map((c) => {
          const [v, text] = typeof c === 'string' ? [c, c] : c;
          return (
            <option key={v} value={v}>
              {text}
            </option>
          );
        })}
      </select>
    </label>
  );
}

// Small shared pieces: in-app links, error notes with the API's message, progress bars and formatters.
import type { ComponentChildren } from 'preact';
import { ApiFailure } from '../api';
import { onLinkClick } from '../router';

export function Link(p: { href: string; children: ComponentChildren; class?: string; 'aria-current'?: 'page' | undefined }) {
  return (
    <a href={p.href} class={p.class} aria-current={p['aria-current']} onClick={onLinkClick}>
      {p.children}
    </a>
  );
}

/** An error where it happened: the API's message and each field's problem. */
export function ErrorNote({ error, label }: { error: unknown; label?: string }) {
  if (!error) return null;
  const f = error instanceof ApiFailure ? error : undefined;
  const message = f ? f.message : error instanceof Error ? error.message : String(error);
  return (
    <div class="error" role="alert">
      {label ? <strong>{label}: </strong> : null}
      {message}
      {f?.details.length ? (
        <ul>
          {f.details.map((d) => (
            <li key={d.path + d.message}>
              <code>{d.path}</code>: {d.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function ProgressBar({ percent, label }: { percent: number; label: string }) {
  const p = Math.max(0, Math.min(100, percent));
  return (
    <div class="bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={p}>
      <div class="bar-fill" style={{ width: `${p}%` }} />
    </div>
  );
}

export const usd = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`);
export const int = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : Math.round(n).toLocaleString('en'));
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '—');

/** A status word as a coloured badge (the colours are in styles.css, each with text, never colour alone). */
export function Status({ status }: { status: string }) {
  return <span class={`badge s-${status}`}>{status.replace('_', ' ')}</span>;
}

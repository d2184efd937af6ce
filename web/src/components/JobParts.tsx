// The sections of the job screen: its failure, audio player, subtitle links, timings, attempt log and script.
import type { JobDetail } from '../types';
import { DataTable } from './DataTable';
import { duration, Status, when } from './ui';

type Present<K extends keyof JobDetail> = NonNullable<JobDetail[K]>;

export function JobFailure({ error }: { error: Present<'error'> }) {
  return (
    <div class="error" role="alert" data-testid="job-error">
      <p>
        <strong>Failed at {error.stage ?? 'an unknown stage'}</strong> (<code>{error.code}</code>)
      </p>
      <p>{error.message}</p>
    </div>
  );
}

export function JobAudio({ audio, title }: { audio: Present<'audio'>; title: string }) {
  return (
    <section aria-labelledby="audio-title">
      <h2 id="audio-title">Audio</h2>
      <audio controls preload="metadata" src={audio.url} aria-label={`Narration of ${title}`} data-testid="job-audio" />
      <p class="muted">
        {audio.contentType} · {audio.durationMs === null ? '—' : duration(audio.durationMs / 1000)} · {audio.bytes?.toLocaleString('en') ?? '—'} bytes ·{' '}
        <a href={audio.url} download>
          download
        </a>
      </p>
    </section>
  );
}

export function JobSubtitles({ subtitles }: { subtitles: JobDetail['subtitles'] }) {
  return (
    <section aria-labelledby="subs-title">
      <h2 id="subs-title">Subtitles</h2>
      <ul>
        {subtitles.map((s) => (
          <li key={s.format}>
            <a href={s.url} download>
              {s.format.toUpperCase()} subtitles
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function JobTimings({ job }: { job: JobDetail }) {
  const t = job.timings;
  return (
    <section aria-labelledby="timing-title">
      <h2 id="timing-title">Timings and attempts</h2>
      <dl class="figures">
        <dt>Created</dt>
        <dd>{when(t.createdAt)}</dd>
        <dt>Started</dt>
        <dd>{when(t.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{when(t.finishedAt)}</dd>
        <dt>Run time</dt>
        <dd>{t.runMs === null ? '—' : duration(t.runMs / 1000)}</dd>
        <dt>Attempts</dt>
        <dd data-testid="attempts">{job.attempts}</dd>
        <dt>Stage</dt>
        <dd>{job.stage ?? '—'}</dd>
      </dl>
    </section>
  );
}

const ATTEMPT_COLUMNS = ['Attempt', 'Result', 'Started', 'Finished'];

export function AttemptLog({ attempts }: { attempts: JobDetail['attemptLog'] }) {
  return (
    <section aria-labelledby="attempts-title">
      <h2 id="attempts-title">Attempt log</h2>
      <DataTable columns={ATTEMPT_COLUMNS}>
        {attempts.map((a) => (
          <tr key={a.attempt}>
            <td>{a.attempt}</td>
            <td>
              <Status status={a.status} />
              {a.error ? ` ${a.error.stage ?? '?'}: ${a.error.code} — ${a.error.message ?? ''}` : ''}
            </td>
            <td>{when(a.startedAt)}</td>
            <td>{when(a.finishedAt)}</td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}

export function JobScript({ text }: { text: string }) {
  return (
    <section aria-labelledby="script-title">
      <h2 id="script-title">Script</h2>
      <pre class="script" tabIndex={0} aria-label="Script text">
        {text}
      </pre>
    </section>
  );
}

// One job: its script, an audio player, subtitle downloads, timings and attempts, and for a failed job
// the stage, code and message of its failure.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { duration, ErrorNote, Link, Status, when } from '../components/ui';
import type { JobDetail } from '../types';

export function JobScreen({ id }: { id: string }) {
  const [job, setJob] = useState<JobDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setJob(null);
    api<{ job: JobDetail }>(`/api/jobs/${id}`).then((r) => setJob(r.job), setError);
  }, [id]);
  if (!job) return error ? <ErrorNote error={error} label="This job cannot be shown" /> : <p role="status">Loading the job…</p>;
  const t = job.timings;
  return (
    <section class="job" aria-labelledby="job-title">
      <p>
        <Link href={`/batches/${job.batchId}`}>← Back to the batch</Link>
      </p>
      <h1 id="job-title">{job.title}</h1>
      <p>
        <Status status={job.status} /> · {job.language} · voice <code>{job.voice}</code> · variation {job.variation} · job #{job.seq}
      </p>
      {job.error ? (
        <div class="error" role="alert" data-testid="job-error">
          <p>
            <strong>Failed at {job.error.stage ?? 'an unknown stage'}</strong> (<code>{job.error.code}</code>)
          </p>
          <p>{job.error.message}</p>
        </div>
      ) : null}
      {job.audio ? (
        <section aria-labelledby="audio-title">
          <h2 id="audio-title">Audio</h2>
          <audio controls preload="metadata" src={job.audio.url} aria-label={`Narration of ${job.title}`} data-testid="job-audio" />
          <p class="muted">
            {job.audio.contentType} · {job.audio.durationMs === null ? '—' : duration(job.audio.durationMs / 1000)} · {job.audio.bytes?.toLocaleString('en') ?? '—'} bytes ·{' '}
            <a href={job.audio.url} download>
              download
            </a>
          </p>
        </section>
      ) : null}
      {job.subtitles.length ? (
        <section aria-labelledby="subs-title">
          <h2 id="subs-title">Subtitles</h2>
          <ul>
            {job.subtitles.map((s) => (
              <li key={s.format}>
                <a href={s.url} download>
                  {s.format.toUpperCase()} subtitles
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
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
      {job.attemptLog.length ? (
        <section aria-labelledby="attempts-title">
          <h2 id="attempts-title">Attempt log</h2>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Attempt</th>
                  <th scope="col">Result</th>
                  <th scope="col">Started</th>
                  <th scope="col">Finished</th>
                </tr>
              </thead>
              <tbody>
                {job.attemptLog.map((a) => (
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
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      {job.script ? (
        <section aria-labelledby="script-title">
          <h2 id="script-title">Script</h2>
          <pre class="script" tabIndex={0} aria-label="Script text">
            {job.script.text}
          </pre>
        </section>
      ) : null}
    </section>
  );
}

// One job: its script, an audio player, subtitle downloads, timings and attempts, and for a failed job
// the stage, code and message of its failure.
import { api } from '../api';
import { AttemptLog, JobAudio, JobFailure, JobScript, JobSubtitles, JobTimings } from '../components/JobParts';
import { ErrorNote, Link, Status } from '../components/ui';
import { useLoad } from '../load';
import type { JobDetail } from '../types';

export function JobScreen({ id }: { id: string }) {
  const { data: job, error } = useLoad(() => api<{ job: JobDetail }>(`/api/jobs/${id}`).then((r) => r.job), [id], true);
  if (!job) return error ? <ErrorNote error={error} label="This job cannot be shown" /> : <p role="status">Loading the job…</p>;
  return (
    <section class="job" aria-labelledby="job-title">
      <p>
        <Link href={`/batches/${job.batchId}`}>← Back to the batch</Link>
      </p>
      <h1 id="job-title">{job.title}</h1>
      <p>
        <Status status={job.status} /> · {job.language} · voice <code>{job.voice}</code> · variation {job.variation} · job #{job.seq}
      </p>
      {job.error ? <JobFailure error={job.error} /> : null}
      {job.audio ? <JobAudio audio={job.audio} title={job.title} /> : null}
      {job.subtitles.length ? <JobSubtitles subtitles={job.subtitles} /> : null}
      <JobTimings job={job} />
      {job.attemptLog.length ? <AttemptLog attempts={job.attemptLog} /> : null}
      {job.script ? <JobScript text={job.script.text} /> : null}
    </section>
  );
}

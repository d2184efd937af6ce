// Audio files as ffmpeg reads them — its own demuxers and decoders, not our code — so tests check what our
// encoders wrote with other code than the code under test; and files that ffmpeg encodes, for our readers.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pcm } from '../../domain/audio/pcm';

/** What ffprobe and ffmpeg make of an encoded file. */
export interface ProbedAudio {
  /** ffmpeg's names: container `mp3`, `ogg` or `wav`; codec `mp3`, `opus` or `pcm_s16le`. */
  format: string;
  codec: string;
  /** Rate of the decoded samples (Opus always decodes at 48 kHz). */
  sampleRate: number;
  channels: number;
  /** Samples per channel as a player plays them: MP3 encoder delay and padding, Opus pre-skip and end trim removed. */
  samples: number;
  /** Playing time: samples ÷ sample rate. */
  durationMs: number;
  /** Samples per channel the container declares before any trimming (Ogg: the last granule position). */
  containerSamples: number;
  /** The decoded audio downmixed to mono 16-bit, when asked for with `keepSamples`. */
  pcm?: Pcm;
}

interface Run {
  stdout: Buffer;
  bytes: number;
  stderr: string;
}

/** Runs an ffmpeg tool; stdout is counted, and kept only when `keep`. Rejects on a non-zero exit or any error output. */
function run(tool: 'ffmpeg' | 'ffprobe', args: string[], o: { keep: boolean; stdin?: Buffer }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, ['-v', 'error', ...args], { stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let bytes = 0;
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => {
      bytes += b.length;
      if (o.keep) out.push(b);
    });
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    child.on('error', (err) => reject(new Error(`${tool} is needed for the audio checks (scripts/install-tools.sh installs ffmpeg): ${err.message}`)));
    child.on('close', (code) => {
      // At `-v error` a valid file prints nothing: a bad checksum, a broken frame or junk bytes all do.
      if (code !== 0 || stderr.trim()) reject(new Error(`${tool} ${args.join(' ')}: exit ${code}: ${stderr.trim()}`));
      else resolve({ stdout: Buffer.concat(out), bytes, stderr });
    });
    // A tool that stops reading early closes its input: its exit status says why, not the broken pipe.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(o.stdin);
  });
}

async function inTempDir<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'bolt-audio-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Probes `body` with ffprobe (container, codec, rate, channels) and decodes all of it with ffmpeg (the samples a
 * player would play). Throws when either tool reports an error or finds no audio stream.
 */
export function probeAudio(body: Buffer, opts: { keepSamples?: boolean } = {}): Promise<ProbedAudio> {
  return inTempDir(async (dir) => {
    const file = join(dir, 'audio');
    await writeFile(file, body);
    const probe = await run('ffprobe', ['-show_entries', 'format=format_name:stream=codec_type,codec_name,sample_rate,channels,duration_ts', '-of', 'json', file], { keep: true });
    const info = JSON.parse(probe.stdout.toString('utf8')) as {
      format: { format_name: string };
      streams: Array<{ codec_type: string; codec_name: string; sample_rate: string; channels: number; duration_ts?: number }>;
    };
    const stream = info.streams.find((s) => s.codec_type === 'audio');
    if (!stream) throw new Error(`ffprobe finds no audio stream in ${info.format.format_name}`);
    const decoded = await run('ffmpeg', ['-i', file, '-map', '0:a:0', '-ac', '1', '-f', 's16le', '-acodec', 'pcm_s16le', 'pipe:1'], { keep: opts.keepSamples ?? false });
    const sampleRate = Number(stream.sample_rate);
    const samples = decoded.bytes / 2;
    return {
      format: info.format.format_name,
      codec: stream.codec_name,
      sampleRate,
      channels: stream.channels,
      samples,
      durationMs: (samples / sampleRate) * 1000,
      containerSamples: stream.duration_ts ?? 0,
      // Copied into a buffer of its own: ffmpeg's output may start at an odd offset of a shared one.
      ...(opts.keepSamples ? { pcm: { sampleRate, samples: new Int16Array(new Uint8Array(decoded.stdout).buffer) } } : {}),
    };
  });
}

/**
 * `pcm` encoded by ffmpeg; `output` gives the codec and container (e.g. `['-acodec', 'libmp3lame', '-f', 'mp3']`).
 * `streamed` writes to a pipe, where ffmpeg cannot seek back to fill in sizes and tags.
 */
export async function ffmpegEncode(pcm: Pcm, output: string[], o: { streamed?: boolean } = {}): Promise<Buffer> {
  const raw = Buffer.from(pcm.samples.buffer, pcm.samples.byteOffset, pcm.samples.byteLength);
  const input = ['-f', 's16le', '-ar', String(pcm.sampleRate), '-ac', '1', '-i', 'pipe:0', ...output];
  if (o.streamed) return (await run('ffmpeg', [...input, 'pipe:1'], { keep: true, stdin: raw })).stdout;
  return inTempDir(async (dir) => {
    const file = join(dir, 'encoded');
    await run('ffmpeg', [...input, file], { keep: false, stdin: raw });
    return readFile(file);
  });
}

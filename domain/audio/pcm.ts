// Mono 16-bit PCM, the form every chunk is joined and measured in: duration, joining and resampling.

/** Mono 16-bit PCM with its sample rate. */
export interface Pcm {
  sampleRate: number;
  samples: Int16Array;
}

/** Duration of PCM in milliseconds. */
export function pcmDurationMs(pcm: Pcm): number {
  return (pcm.samples.length / pcm.sampleRate) * 1000;
}

/** Joins PCM chunks of one sample rate into one buffer (no gaps, no re-encoding). */
export function concatPcm(chunks: Pcm[]): Pcm {
  if (chunks.length === 0) throw new Error('no audio chunks to join');
  const sampleRate = chunks[0]!.sampleRate;
  let total = 0;
  for (const c of chunks) {
    if (c.sampleRate !== sampleRate) throw new Error(`chunk sample rates differ: ${c.sampleRate} vs ${sampleRate}`);
    total += c.samples.length;
  }
  const samples = new Int16Array(total);
  let at = 0;
  for (const c of chunks) {
    samples.set(c.samples, at);
    at += c.samples.length;
  }
  return { sampleRate, samples };
}

/** Resamples mono PCM by linear interpolation (enough for speech moved between nearby rates). */
export function resamplePcm(pcm: Pcm, rate: number): Pcm {
  if (pcm.sampleRate === rate) return pcm;
  const ratio = pcm.sampleRate / rate;
  const out = new Int16Array(Math.floor(pcm.samples.length / ratio));
  for (let i = 0; i < out.length; i++) {
    const x = i * ratio;
    const i0 = Math.floor(x);
    const i1 = Math.min(i0 + 1, pcm.samples.length - 1);
    const f = x - i0;
    out[i] = Math.round(pcm.samples[i0]! * (1 - f) + pcm.samples[i1]! * f);
  }
  return { sampleRate: rate, samples: out };
}

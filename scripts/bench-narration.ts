// Prints what long narrations cost through the production TTS adapter and the simulator: requests,
// the file's duration against the sum of its chunks, cues, and wall and CPU time. Figures only, no verdicts.
import { performance } from 'node:perf_hooks';
import { encodeAudio, type AudioEncoding } from '../adapters/audio-codec';
import { createTtsClient, synthesizeNarration } from '../adapters/tts';
import { parseMp3 } from '../domain/audio/mp3';
import { concatPcm } from '../domain/audio/pcm';
import { decodeWav } from '../domain/audio/wav';
import { startSimulators } from '../simulators/server';
import { fillerBlocks } from '../simulators/text';
import { parseOggOpus } from '../test/support/ogg-opus';

const cases: Array<{ name: string; language: string; voice: string; encoding: AudioEncoding; min: number; unit: 'words' | 'chars' }> = [
  { name: 'Portuguese, 9,000 words', language: 'pt-BR', voice: 'pt-BR-Neural2-A', encoding: 'MP3', min: 9000, unit: 'words' },
  { name: 'Japanese, 6,000 characters', language: 'ja-JP', voice: 'ja-JP-Neural2-B', encoding: 'MP3', min: 6000, unit: 'chars' },
  { name: 'Arabic, 1,500 words', language: 'ar-XA', voice: 'ar-XA-Wavenet-A', encoding: 'OGG_OPUS', min: 1500, unit: 'words' },
  { name: 'Portuguese, 1,500 words, Chirp 3: HD', language: 'pt-BR', voice: 'pt-BR-Chirp3-HD-Aoede', encoding: 'MP3', min: 1500, unit: 'words' },
];

const count = (s: string, unit: 'words' | 'chars') => (unit === 'words' ? s.split(/\s+/u).filter(Boolean).length : [...s.replace(/\s+/gu, '')].length);

async function main(): Promise<void> {
  const speech = process.argv.includes('--espeak') ? 'auto' : 'tone';
  const sim = await startSimulators({ tts: { speech } });
  const client = createTtsClient({ apiKey: 'bench', baseUrl: sim.url });
  console.log(`simulator speech: ${speech}`);
  try {
    for (const c of cases) {
      const blocks: string[] = [];
      for (let i = 0; count(blocks.join('\n\n'), c.unit) < c.min; i++) blocks.push(...fillerBlocks(`${c.language}-${i}`, c.language, 600));
      const text = blocks.join('\n\n');
      const cpu = process.cpuUsage();
      const t0 = performance.now();
      const n = await synthesizeNarration(client, { text, language: c.language, voice: c.voice, encoding: c.encoding });
      const wall = performance.now() - t0;
      const used = process.cpuUsage(cpu);
      const sum = n.chunkDurationsMs.reduce((a, b) => a + b, 0);
      const file = c.encoding === 'MP3' ? parseMp3(n.body).durationMs : parseOggOpus(n.body).durationMs;
      // Encoding alone, on PCM of the same length (the simulator's audio is not kept by the adapter).
      const pcm = concatPcm([{ sampleRate: 24000, samples: new Int16Array(Math.round((sum / 1000) * 24000)) }]);
      const e0 = performance.now();
      await encodeAudio(pcm, c.encoding);
      const encodeMs = performance.now() - e0;
      console.log(
        [
          `${c.name} → ${c.encoding}`,
          `  text: ${count(text, c.unit)} ${c.unit}, ${Buffer.byteLength(text)} bytes`,
          `  requests: ${n.requestBytes.length} (largest ${Math.max(...n.requestBytes)} bytes as sent)`,
          `  audio: file ${(file / 1000).toFixed(3)} s, chunks sum ${(sum / 1000).toFixed(3)} s, difference ${(file - sum).toFixed(1)} ms, recorded ${n.durationMs} ms`,
          `  subtitles: ${n.subtitles.cues} cues timed from ${n.subtitles.timing}`,
          `  time: ${(wall / 1000).toFixed(1)} s wall, ${((used.user + used.system) / 1e6).toFixed(1)} s CPU in this process; encoding alone ${(encodeMs / 1000).toFixed(1)} s; ${(n.body.length / 1e6).toFixed(1)} MB`,
        ].join('\n'),
      );
    }
    // A WAV check, so the LINEAR16 path is measured too.
    const wav = await synthesizeNarration(client, { text: 'Uma frase. Outra frase.', language: 'pt-BR', voice: 'pt-BR-Neural2-A', encoding: 'LINEAR16' });
    console.log(`LINEAR16 sample: ${decodeWav(wav.body).sampleRate} Hz, ${wav.durationMs} ms`);
  } finally {
    await sim.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

// Long scripts through the production TTS client against the simulator: one valid file per script, whose
// duration is the sum of its chunks, with subtitles inside it. No stack needed: the adapter and a simulator.
import assert from 'node:assert/strict';
import type { TextToSpeechClient } from '@google-cloud/text-to-speech';
import { createTtsClient, synthesizeNarration } from '../../adapters/tts';
import { parseSrt, parseVtt } from '../../domain/subtitles';
import { startSimulators, type SimulatorServer } from '../../simulators/server';
import { fillerBlocks } from '../../simulators/text';
import { probeAudio } from '../support/audio-probe';
import { checkNarration } from '../support/narration';

/** Blocks of filler narration until the text holds at least `min` of what `count` counts. */
function script(language: string, min: number, count: (s: string) => number): string {
  const out: string[] = [];
  for (let i = 0; count(out.join('\n\n')) < min; i++) out.push(...fillerBlocks(`${language}-${i}`, language, 600));
  return out.join('\n\n');
}
const words = (s: string) => s.split(/\s+/u).filter(Boolean).length;
const chars = (s: string) => [...s.replace(/\s+/gu, '')].length;

describe('long narrations through the TTS simulator', function () {
  this.timeout(600_000);
  let sim: SimulatorServer;
  let client: TextToSpeechClient;

  before(async () => {
    // The tone voice: its length follows the text exactly and it costs no espeak-ng process per sentence.
    sim = await startSimulators({ tts: { speech: 'tone' } });
    client = createTtsClient({ apiKey: 'long-narration-key', baseUrl: sim.url });
  });
  after(() => sim.close());
  beforeEach(() => sim.tts.counters.reset());

  it('a 9,000-word Portuguese script becomes one MP3 with SRT/VTT timed from <mark>s', async () => {
    const text = script('pt-BR', 9000, words);
    assert.ok(words(text) >= 9000);
    const n = await synthesizeNarration(client, { text, language: 'pt-BR', voice: 'pt-BR-Neural2-A', encoding: 'MP3' });
    const m = await checkNarration(n, 'mp3');
    assert.equal(n.subtitles.timing, 'marks');
    assert.ok(m.requests > 10, `${m.requests} requests`);
    assert.ok(m.fileMs > 40 * 60_000, `a long narration (${m.fileMs} ms)`);
    const calls = sim.tts.counters.snapshot();
    assert.equal(calls.byEndpoint.synthesize, m.requests, 'one call per chunk, none repeated');
    assert.deepEqual(calls.errors, {});
  });

  it('a 6,000-character Japanese script (no spaces) becomes one MP3 with subtitles', async () => {
    const text = script('ja-JP', 6000, chars);
    assert.ok(chars(text) >= 6000 && !/ /.test(text));
    const n = await synthesizeNarration(client, { text, language: 'ja-JP', voice: 'ja-JP-Neural2-B', encoding: 'MP3' });
    const m = await checkNarration(n, 'mp3');
    assert.ok(m.requests >= 4, `${m.requests} requests for ${Buffer.byteLength(text)} bytes`);
  });

  it('an Arabic script becomes one Ogg Opus file with subtitles', async () => {
    const text = script('ar-XA', 1500, words);
    const n = await synthesizeNarration(client, { text, language: 'ar-XA', voice: 'ar-XA-Wavenet-A', encoding: 'OGG_OPUS' });
    const m = await checkNarration(n, 'ogg');
    assert.equal(n.contentType, 'audio/ogg');
    assert.ok(m.requests > 1);
  });

  it('a Chirp 3 HD voice gets plain text, no pitch, and subtitles timed from chunk durations', async () => {
    const text = script('pt-BR', 1500, words);
    // The simulator rejects SSML and pitch for this voice, as Google does: success means neither was sent.
    const n = await synthesizeNarration(client, { text, language: 'pt-BR', voice: 'pt-BR-Chirp3-HD-Aoede', encoding: 'LINEAR16', pitch: 3, speakingRate: 1.1 });
    await checkNarration(n, 'wav');
    assert.equal(n.subtitles.timing, 'chunks');
  });
});

describe('text that SSML would choke on', function () {
  this.timeout(120_000);
  let sim: SimulatorServer;
  before(async () => {
    // The default voice: espeak-ng when installed, so the audio is real speech of the text.
    sim = await startSimulators();
  });
  after(() => sim.close());

  it('a title with <, &, quotes and emoji gives correct audio and subtitles, not an SSML error', async () => {
    const client = createTtsClient({ apiKey: 'ssml-key', baseUrl: sim.url });
    const title = `Peixe & <batatas> "fritas", o 'melhor' de 2024 🎉🐟 — R&D <b>não</b> é tag!`;
    const text = `${title}\n\nUma frase normal depois do título.`;
    for (const voice of ['pt-BR-Neural2-A', 'pt-BR-Chirp3-HD-Aoede']) {
      sim.tts.counters.reset();
      const n = await synthesizeNarration(client, { text, language: 'pt-BR', voice, encoding: 'LINEAR16' });
      await checkNarration(n, 'wav');
      assert.deepEqual(sim.tts.counters.snapshot().errors, {});
      const pcm = (await probeAudio(n.body, { keepSamples: true })).pcm!;
      const loud = pcm.samples.reduce((a, s) => Math.max(a, Math.abs(s)), 0);
      assert.ok(loud > 1000, 'the audio is not silence');
      assert.ok(n.durationMs > 1500, `${n.durationMs} ms of speech`);
      // The subtitles carry the title exactly, whatever the markup characters.
      const srtText = parseSrt(n.subtitles.srt).flatMap((c) => c.lines).join(' ');
      const vttText = parseVtt(n.subtitles.vtt).flatMap((c) => c.lines).join(' ');
      assert.equal(srtText, `${title} Uma frase normal depois do título.`);
      assert.equal(vttText, srtText);
    }
  });
});

// On the real stack: every job stores its audio with SRT and VTT subtitles beside it, and a title full of
// SSML markup characters goes through script and speech without an SSML error.
import assert from 'node:assert/strict';
import { parseSrt, parseVtt } from '../../domain/subtitles';
import { fileDurationMs } from '../support/narration';
import { eventually, testAdminToken, testStack, type TestStack } from '../support/stack';

interface BatchBody {
  batch: { id: string; status: string; counts: Record<string, number> };
}

describe('stored narrations: audio with subtitles', function () {
  this.timeout(300_000);
  let stack: TestStack;

  before(async function () {
    this.timeout(600_000);
    stack = await testStack();
  });

  it('stores subtitles.srt and subtitles.vtt next to each audio, ending within it, for SSML and Chirp voices', async () => {
    const title = `Peixe & <batatas> "fritas" e 'mais' 🎉🐟 ${Date.now()}`;
    const res = await fetch(`${stack.apiUrl}/api/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await testAdminToken(stack)}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        mode: 'expand_languages',
        titles: [title],
        languages: [
          { language: 'pt-BR', voice: 'pt-BR-Neural2-A' },
          { language: 'en-US', voice: 'en-US-Chirp3-HD-Charon' },
        ],
        masterLanguage: 'pt-BR',
        agent: { targetMinutes: 0.3 },
      }),
    });
    const created = (await res.json()) as BatchBody;
    assert.equal(res.status, 201, JSON.stringify(created));
    const id = created.batch.id;
    await eventually(
      async () => {
        const r = await fetch(`${stack.apiUrl}/api/batches/${id}`, { headers: { authorization: `Bearer ${await testAdminToken(stack)}` } });
        const b = (await r.json()) as BatchBody;
        return ['completed', 'failed', 'cancelled'].includes(b.batch.status) ? b : undefined;
      },
      'the batch to finish',
      240_000,
    );
    const jobs = await stack.db.selectFrom('jobs').selectAll().where('batch_id', '=', id).orderBy('seq').execute();
    assert.equal(jobs.length, 2);
    for (const j of jobs) {
      assert.equal(j.status, 'completed', `${j.language}: ${j.error_code} ${j.error_message}`);
      const audioKey = j.audio_key!;
      const prefix = audioKey.slice(0, audioKey.lastIndexOf('/') + 1);
      const audio = await stack.storage.get(audioKey);
      const fileMs = await fileDurationMs(audio, audioKey.split('.').pop()!);
      assert.ok(Math.abs(fileMs - j.audio_duration_ms!) <= 50, `${j.language}: file ${fileMs} ms, recorded ${j.audio_duration_ms} ms`);
      const srt = parseSrt((await stack.storage.get(`${prefix}subtitles.srt`)).toString('utf8'));
      const vtt = parseVtt((await stack.storage.get(`${prefix}subtitles.vtt`)).toString('utf8'));
      assert.ok(srt.length > 0, `${j.language}: cues`);
      assert.deepEqual(vtt, srt);
      assert.ok(srt[srt.length - 1]!.endMs <= fileMs, `${j.language}: the last cue ends within the audio`);
    }
  });
});

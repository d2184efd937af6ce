import assert from 'node:assert/strict';
import { MAX_SENTENCE_BYTES, TTS_MAX_INPUT_BYTES, chunkText, escapeSsml, planSpeechRequests, utf8Bytes } from '../../domain/chunking';
import { SENTENCE_LIMIT_BYTES, checkSentences, parseSsml } from '../../simulators/tts';

describe('chunkText', () => {
  it('keeps every chunk under the byte limit and rejoins to the original', () => {
    const sentence = 'Ação rápida no coração do vulcão, com lava e cinzas por todo o lado. ';
    const text = sentence.repeat(400);
    const chunks = chunkText(text, { maxBytes: 4500, locale: 'pt-BR' });
    assert.ok(chunks.length > 1);
    for (const c of chunks) assert.ok(utf8Bytes(c) <= 4500, `chunk of ${utf8Bytes(c)} bytes`);
    assert.equal(chunks.join(''), text);
    // Sentence boundaries first: every chunk but the last ends a sentence.
    for (const c of chunks.slice(0, -1)) assert.match(c, /\.\s*$/);
  });

  it('splits text without spaces (Japanese) by bytes, not characters', () => {
    const text = '火山は地球の内部から溶けた岩を噴き出す。'.repeat(300);
    const chunks = chunkText(text, { maxBytes: 1000, locale: 'ja-JP' });
    for (const c of chunks) assert.ok(utf8Bytes(c) <= 1000);
    assert.equal(chunks.join(''), text);
  });

  it('splits one over-long sentence at clauses, then words', () => {
    const text = `${'palavra, '.repeat(2000)}fim.`;
    const chunks = chunkText(text, { maxBytes: 500 });
    for (const c of chunks) assert.ok(utf8Bytes(c) <= 500);
    assert.equal(chunks.join(''), text);
  });

  it('measures as sent when a measure is given (escaped SSML)', () => {
    const text = 'Fish & chips < dinner > "quoted" \'single\'. '.repeat(200);
    const measure = (s: string) => utf8Bytes(`<speak>${escapeSsml(s)}</speak>`);
    const chunks = chunkText(text, { maxBytes: 1000, measure });
    for (const c of chunks) assert.ok(measure(c) <= 1000);
    assert.equal(chunks.join(''), text);
    assert.equal(escapeSsml(`a&b<c>"d"'e'`), 'a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;');
  });
});

describe('planSpeechRequests (property tests over random Unicode)', () => {
  // A small seeded PRNG so a failure names a seed that reproduces it.
  const prng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ALPHABETS: Record<string, string[]> = {
    latin: [...'abcdefghijklmnopqrstuvwxyzçãõéêíóúàâ'],
    cjk: [...'火山地球内部溶岩噴出日本語文章中国人的是不了在有我他这个们'],
    kana: [...'かきくけこさしすせそたちつてとなにぬねのアイウエオカキクケコ'],
    arabic: [...'ابتثجحخدذرزسشصضطظعغفقكلمنهوي'],
    devanagari: ['क', 'ख', 'ग', 'घ', 'च', 'ज', 'ट', 'त', 'न', 'प', 'म', 'य', 'र', 'ल', 'स', 'ह', 'कि', 'की', 'कु', 'के', 'क्ष', 'त्र', 'ं', 'ा'],
    thai: [...'กขคงจฉชซญดตถทนบปผพฟมยรลวสหอ'],
    emoji: ['😀', '🎉', '👍🏽', '👨‍👩‍👧‍👦', '🇧🇷', '🇯🇵', '❤️', '🐟', '🧑🏿‍💻'],
    hostile: ['&', '<', '>', '"', "'", '&amp;', '<speak>', ']]>'],
  };
  const STOPS = ['. ', '! ', '? ', '。', '！', '؟ ', '। ', '.\n\n', '… '];
  const CLAUSES = [', ', '; ', '、', '، ', ': ', ' — '];

  function randomText(rnd: () => number): string {
    const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const names = Object.keys(ALPHABETS);
    const sentences: string[] = [];
    const target = 200 + Math.floor(rnd() * 14000);
    let length = 0;
    while (length < target) {
      const alphabet = ALPHABETS[pick(names)]!;
      const spaced = rnd() < 0.7;
      // Now and then a very long sentence: thousands of bytes with no stop, sometimes no clause break either.
      const words = rnd() < 0.08 ? 300 + Math.floor(rnd() * 1500) : 3 + Math.floor(rnd() * 25);
      const clauses = rnd() < 0.5;
      let s = '';
      for (let w = 0; w < words; w++) {
        const letters = 1 + Math.floor(rnd() * 8);
        for (let l = 0; l < letters; l++) s += rnd() < 0.05 ? pick(ALPHABETS.emoji!) : pick(alphabet);
        if (clauses && rnd() < 0.1) s += pick(CLAUSES);
        else if (spaced) s += ' ';
      }
      s += rnd() < 0.9 ? pick(STOPS) : ' ';
      sentences.push(s);
      length += s.length;
    }
    return sentences.join('');
  }

  const sentenceGroups = (input: { ssml: string } | { text: string }) => ('ssml' in input ? parseSsml(input.ssml).sentenceGroups : [input.text]);

  for (const ssml of [true, false]) {
    it(`${ssml ? 'SSML with marks' : 'plain text'}: every request ≤ 5,000 bytes as sent, no over-long sentence, and the text rejoins`, () => {
      let requests = 0;
      for (let seed = 1; seed <= 60; seed++) {
        const text = randomText(prng(seed));
        const locale = ['pt-BR', 'ja-JP', 'ar-XA', 'hi-IN', 'th-TH', undefined][seed % 6];
        const plan = planSpeechRequests(text, { ssml, locale });
        requests += plan.length;
        for (const r of plan) {
          const sent = 'ssml' in r.input ? r.input.ssml : r.input.text;
          assert.equal('ssml' in r.input, ssml);
          assert.ok(utf8Bytes(sent) <= TTS_MAX_INPUT_BYTES, `seed ${seed}: request of ${utf8Bytes(sent)} bytes`);
          assert.equal(r.bytes, utf8Bytes(sent));
          // What Google reads back from the request is exactly the units' text.
          const spoken = 'ssml' in r.input ? parseSsml(r.input.ssml).segments.join('') : r.input.text;
          assert.equal(spoken, r.units.map((u) => u.text).join(''), `seed ${seed}: request text differs from its units`);
          if (ssml) assert.equal(r.marks.length, r.units.length);
          assert.doesNotThrow(() => checkSentences(sentenceGroups(r.input), locale ?? 'en', SENTENCE_LIMIT_BYTES), `seed ${seed}: a sentence is too long`);
        }
        const rejoined = plan.flatMap((r) => r.units.map((u) => u.text)).join('');
        assert.equal(rejoined.replace(/\s+/gu, ''), text.replace(/\s+/gu, ''), `seed ${seed}: chunks do not rejoin`);
        for (const u of plan.flatMap((r) => r.units)) assert.ok(utf8Bytes(u.text) <= MAX_SENTENCE_BYTES, `seed ${seed}: unit of ${utf8Bytes(u.text)} bytes`);
      }
      assert.ok(requests > 60, 'long texts were split');
    });
  }

  it('never splits inside a grapheme (emoji sequences, Devanagari conjuncts)', () => {
    const family = '👨‍👩‍👧‍👦';
    const text = `${family.repeat(400)} क्षत्रिय${'क्ष'.repeat(900)}।`;
    const plan = planSpeechRequests(text, { ssml: true, maxSentenceBytes: 300 });
    const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    const graphemes = (s: string) => Array.from(segmenter.segment(s), (g) => g.segment);
    const units = plan.flatMap((r) => r.units.map((u) => u.text));
    assert.ok(units.length > 2);
    assert.deepEqual(units.flatMap(graphemes), graphemes(text));
  });

  it('puts each piece of an over-long sentence in its own <s> (SSML) or at the end of its request (plain)', () => {
    const text = `Short one. ${'uma palavra longa, '.repeat(150)}fim. Another short one.`;
    const ssml = planSpeechRequests(text, { ssml: true, maxSentenceBytes: 400 });
    const pieces = ssml.flatMap((r) => r.units).filter((u) => !u.endsSentence);
    assert.ok(pieces.length >= 2);
    for (const r of ssml) assert.doesNotThrow(() => checkSentences(parseSsml((r.input as { ssml: string }).ssml).sentenceGroups, 'pt-BR', 400));
    const plain = planSpeechRequests(text, { ssml: false, maxSentenceBytes: 400 });
    for (const r of plain) {
      r.units.slice(0, -1).forEach((u) => assert.ok(u.endsSentence, 'a piece that continues is always last in its request'));
      assert.doesNotThrow(() => checkSentences([(r.input as { text: string }).text], 'pt-BR', 400));
    }
  });
});

import assert from 'node:assert/strict';
import { buildCues, displayWidth, parseSrt, parseVtt, toSrt, toVtt, wrapLines, type Cue } from '../../domain/subtitles';

/** The rules every cue list must keep, whatever the input. */
function assertWellFormed(cues: Cue[], audioMs: number, maxWidth = 42): void {
  let prevEnd = 0;
  for (const c of cues) {
    assert.ok(c.startMs >= prevEnd, `cue at ${c.startMs} overlaps the previous one ending at ${prevEnd}`);
    assert.ok(c.endMs > c.startMs, 'a cue has positive length');
    assert.ok(c.endMs <= audioMs, `cue ends at ${c.endMs}, after the audio (${audioMs})`);
    assert.ok(c.lines.length >= 1 && c.lines.length <= 2, `${c.lines.length} lines`);
    for (const l of c.lines) assert.ok(displayWidth(l) <= maxWidth, `line too wide: ${l}`);
    prevEnd = c.endMs;
  }
}

describe('subtitles', () => {
  it('wraps at words, and between characters in scripts without spaces', () => {
    assert.deepEqual(wrapLines('one two three four', 9), ['one two', 'three', 'four']);
    const ja = wrapLines('火山は地球の内部から溶けた岩を噴き出す。'.repeat(3), 20, 'ja-JP');
    assert.ok(ja.length > 1);
    for (const l of ja) assert.ok(displayWidth(l) <= 20);
    assert.equal(ja.join(''), '火山は地球の内部から溶けた岩を噴き出す。'.repeat(3));
  });

  it('counts graphemes, wide ones twice, whether or not the text takes the one-unit-a-grapheme shortcut', () => {
    const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    // Every unit the shortcut covers is a grapheme of its own, beside letters and beside itself.
    for (const [from, to] of [[0x20, 0x2ff], [0x370, 0x482], [0x48a, 0x52f]] as const) {
      for (let c = from; c <= to; c++) {
        const s = `a${String.fromCharCode(c)}${String.fromCharCode(c)}b`;
        assert.equal(displayWidth(s), Array.from(graphemes.segment(s)).length, `U+${c.toString(16)}`);
      }
    }
    // Text outside it: combining marks, CR LF, emoji, wide scripts.
    assert.equal(displayWidth('Cafe\u0301 crème'), 10);
    assert.equal(displayWidth('Привет\u0483 мир'), 10);
    assert.equal(displayWidth('line\r\nnext'), 9);
    assert.equal(displayWidth('日本語 ok'), 9);
    assert.equal(displayWidth('🌋 lava'), 7);
    assert.equal(displayWidth(''), 0);
  });

  it('keeps cues ordered, non-overlapping, two lines at most, and inside the audio', () => {
    const sentence = 'A rather long sentence about volcanoes, islands and the slow work of lava over a million years.';
    const segments = Array.from({ length: 40 }, (_, i) => ({ text: sentence, startMs: i * 5000, endMs: i * 5000 + 5200 }));
    // The audio is shorter than the last segment claims, and two segments overlap: both must be corrected.
    const audioMs = 198_000;
    const cues = buildCues(segments, audioMs);
    assertWellFormed(cues, audioMs);
    assert.ok(cues.length >= 40);
    assert.ok(cues[cues.length - 1]!.endMs <= audioMs);
  });

  it('writes SRT and VTT that read back to the same cues, escaping VTT text', () => {
    const cues = buildCues(
      [
        { text: 'Fish & <chips> "quoted" 🎉', startMs: 0, endMs: 1500 },
        { text: 'Segunda frase, com acentuação.', startMs: 1500, endMs: 3_725_250 },
      ],
      3_725_250,
    );
    const srt = toSrt(cues);
    const vtt = toVtt(cues);
    assert.match(srt, /^1\n00:00:00,000 --> 00:00:01,500\nFish & <chips> "quoted" 🎉\n/);
    assert.match(vtt, /^WEBVTT\n\n00:00:00\.000 --> 00:00:01\.500\nFish &amp; &lt;chips&gt; "quoted" 🎉\n/);
    assert.match(srt, /01:02:05,250/);
    assert.deepEqual(parseSrt(srt), cues);
    assert.deepEqual(parseVtt(vtt), cues);
    assert.throws(() => parseVtt(srt), /not a WebVTT/);
  });
});

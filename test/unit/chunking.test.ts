import assert from 'node:assert/strict';
import { chunkText, escapeSsml, utf8Bytes } from '../../domain/chunking';

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

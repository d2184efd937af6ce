// Deterministic filler narration in many writing systems, so simulated scripts look like their languages.

const SYLLABLES: Record<string, { syllables: string[]; space: boolean; stop: string; comma: string }> = {
  latin: { syllables: 'ba na ro te li sa mo ve du ka ri po ne lu ta me si go fa ze'.split(' '), space: true, stop: '.', comma: ',' },
  ja: { syllables: 'か き く け こ さ し す せ そ た ち つ て と な に ぬ ね の は ひ ふ へ ほ ま み む め も'.split(' '), space: false, stop: '。', comma: '、' },
  zh: { syllables: '的 是 不 了 在 人 有 我 他 这 个 们 中 来 上 大 为 和 国 地'.split(' '), space: false, stop: '。', comma: '，' },
  ar: { syllables: 'كا لي مو نا سي را تو دي فا هو'.split(' '), space: true, stop: '.', comma: '،' },
  hi: { syllables: 'का की के ना नी रा री सा से मा मी ता ती'.split(' '), space: true, stop: '।', comma: ',' },
  ru: { syllables: 'ка ли мо на си ра то ди фа го'.split(' '), space: true, stop: '.', comma: ',' },
  ko: { syllables: '가 나 다 라 마 바 사 아 자 차 카 타 파 하'.split(' '), space: true, stop: '.', comma: ',' },
  th: { syllables: 'กา นา รา มา สา ตา ปา ลา วา ยา'.split(' '), space: false, stop: ' ', comma: ' ' },
};

function systemFor(language: string) {
  const base = language.split('-')[0]!.toLowerCase();
  if (base === 'ja') return SYLLABLES.ja!;
  if (base === 'zh' || base === 'cmn' || base === 'yue') return SYLLABLES.zh!;
  if (base === 'ar' || base === 'fa' || base === 'ur') return SYLLABLES.ar!;
  if (base === 'hi' || base === 'mr' || base === 'ne') return SYLLABLES.hi!;
  if (base === 'ru' || base === 'uk' || base === 'bg' || base === 'sr') return SYLLABLES.ru!;
  if (base === 'ko') return SYLLABLES.ko!;
  if (base === 'th') return SYLLABLES.th!;
  return SYLLABLES.latin!;
}

/** A small deterministic PRNG (mulberry32) seeded from a string. */
export function seededRandom(seed: string): () => number {
  let h = 1779033703;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Narration blocks of about `words` words in the language's writing system. */
export function fillerBlocks(seed: string, language: string, words: number, blockCount?: number): string[] {
  const sys = systemFor(language);
  const rnd = seededRandom(seed);
  const blocks = blockCount ?? Math.max(1, Math.min(12, Math.round(words / 60)));
  const perBlock = Math.max(3, Math.round(words / blocks));
  const out: string[] = [];
  for (let b = 0; b < blocks; b++) {
    const sentences: string[] = [];
    let left = perBlock;
    while (left > 0) {
      const len = Math.min(left, 6 + Math.floor(rnd() * 10));
      const ws: string[] = [];
      for (let w = 0; w < len; w++) {
        const n = 1 + Math.floor(rnd() * 3);
        let word = '';
        for (let s = 0; s < n; s++) word += sys.syllables[Math.floor(rnd() * sys.syllables.length)];
        ws.push(word);
        if (w === Math.floor(len / 2) && len > 8) ws[ws.length - 1] += sys.comma;
      }
      let sentence = ws.join(sys.space ? ' ' : '') + sys.stop;
      if (sys.space || sys === SYLLABLES.latin) sentence = sentence.charAt(0).toUpperCase() + sentence.slice(1);
      sentences.push(sentence);
      left -= len;
    }
    out.push(sentences.join(sys.space ? ' ' : ''));
  }
  return out;
}

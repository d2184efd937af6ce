// Pure audio helpers: WAV (LINEAR16) framing, MP3 frame parsing and gapless tags, Ogg Opus pages; used to join
// chunks into one file and to measure real durations.

/** Mono 16-bit PCM with its sample rate. */
export interface Pcm {
  sampleRate: number;
  samples: Int16Array;
}

/** Wraps mono 16-bit PCM in a RIFF/WAVE header, as Google returns LINEAR16. */
export function encodeWav({ sampleRate, samples }: Pcm): Buffer {
  const dataBytes = samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) buf.writeInt16LE(samples[i]!, 44 + i * 2);
  return buf;
}

/** Reads a mono or stereo 16-bit WAV file into mono PCM; throws on anything else. */
export function decodeWav(buf: Buffer): Pcm {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a RIFF/WAVE file');
  }
  let offset = 12;
  let sampleRate = 0;
  let channels = 0;
  let bits = 0;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    let size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      const format = buf.readUInt16LE(body);
      channels = buf.readUInt16LE(body + 2);
      sampleRate = buf.readUInt32LE(body + 4);
      bits = buf.readUInt16LE(body + 14);
      if (format !== 1 && format !== 0xfffe) throw new Error(`unsupported WAV format ${format}`);
    } else if (id === 'data') {
      if (!sampleRate || bits !== 16 || channels < 1) throw new Error('WAV data before a 16-bit fmt chunk');
      // Streamed WAVs (espeak-ng --stdout) carry a placeholder size; take what is there.
      if (size === 0 || size === 0xffffffff || body + size > buf.length) size = buf.length - body;
      const frames = Math.floor(size / (2 * channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) {
        let acc = 0;
        for (let c = 0; c < channels; c++) acc += buf.readInt16LE(body + (i * channels + c) * 2);
        samples[i] = Math.round(acc / channels);
      }
      return { sampleRate, samples };
    }
    offset = body + size + (size % 2);
  }
  throw new Error('WAV file has no data chunk');
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

/** Facts read from an MP3 stream by walking its frame headers. */
export interface Mp3Info {
  /** Audio frames (an Info/Xing tag frame is not counted). */
  frames: number;
  sampleRate: number;
  /** Playing time: frames less the encoder delay and padding when a LAME tag gives them. */
  durationMs: number;
  /** Playing time of all audio frames, delay and padding included. */
  rawDurationMs: number;
  /** Encoder delay and end padding in samples, from the LAME tag (0 without one). */
  encoderDelay: number;
  padding: number;
  /** True when an Info/Xing tag with LAME gapless fields was found. */
  gapless: boolean;
  /** Bytes before the first frame (ID3v2 tag), if any. */
  leadingBytes: number;
}

const BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

interface FrameHeader {
  version: number;
  mono: boolean;
  rate: number;
  kbps: number;
  samplesPerFrame: number;
  length: number;
  /** Bytes of header plus side information: where an Info/Xing tag starts. */
  tagOffset: number;
}

function readFrameHeader(buf: Buffer, offset: number): FrameHeader {
  const b1 = buf[offset + 1]!;
  if (buf[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) throw new Error(`invalid MP3: no frame sync at byte ${offset}`);
  const version = (b1 >> 3) & 0x3; // 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5
  const layer = (b1 >> 1) & 0x3; // 1 = Layer III
  const b2 = buf[offset + 2]!;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 0x3;
  const padding = (b2 >> 1) & 0x1;
  if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) {
    throw new Error(`invalid MP3 frame header at byte ${offset}`);
  }
  const rate = SAMPLE_RATES[version]![rateIndex]!;
  const kbps = (version === 3 ? BITRATES_V1_L3 : BITRATES_V2_L3)[bitrateIndex]!;
  const samplesPerFrame = version === 3 ? 1152 : 576;
  const mono = buf[offset + 3]! >> 6 === 3;
  const sideInfo = version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17;
  const crc = (b1 & 0x1) === 0 ? 2 : 0;
  return {
    version,
    mono,
    rate,
    kbps,
    samplesPerFrame,
    length: Math.floor(((samplesPerFrame / 8) * kbps * 1000) / rate) + padding,
    tagOffset: 4 + crc + sideInfo,
  };
}

/** Reads an Info/Xing tag in a frame: its LAME encoder delay and padding, if present. */
function readInfoTag(buf: Buffer, frameStart: number, h: FrameHeader): { delay: number; padding: number; lame: boolean } | undefined {
  const at = frameStart + h.tagOffset;
  if (at + 8 > buf.length) return undefined;
  const id = buf.toString('latin1', at, at + 4);
  if (id !== 'Info' && id !== 'Xing') return undefined;
  const flags = buf.readUInt32BE(at + 4);
  let p = at + 8 + (flags & 1 ? 4 : 0) + (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
  if (p + 24 > frameStart + h.length) return { delay: 0, padding: 0, lame: false };
  const encoder = buf.toString('latin1', p, p + 4);
  if (encoder !== 'LAME' && encoder !== 'Lavf' && encoder !== 'Lavc') return { delay: 0, padding: 0, lame: false };
  p += 21; // encoder string (9), revision (1), lowpass (1), replay gain (8), flags (1), bitrate (1)
  const v = (buf[p]! << 16) | (buf[p + 1]! << 8) | buf[p + 2]!;
  return { delay: v >> 12, padding: v & 0xfff, lame: true };
}

/**
 * Parses an MPEG-1/2/2.5 Layer III stream frame by frame and returns its real duration, honouring a
 * leading Info/Xing frame's LAME delay and padding as gapless players do.
 * Throws unless the whole buffer (after an optional ID3v2 tag) is a clean chain of frames.
 */
export function parseMp3(buf: Buffer): Mp3Info {
  let offset = 0;
  if (buf.length >= 10 && buf.toString('latin1', 0, 3) === 'ID3') {
    const size = ((buf[6]! & 0x7f) << 21) | ((buf[7]! & 0x7f) << 14) | ((buf[8]! & 0x7f) << 7) | (buf[9]! & 0x7f);
    offset = 10 + size;
  }
  const leadingBytes = offset;
  let frames = 0;
  let samples = 0;
  let sampleRate = 0;
  let tag: ReturnType<typeof readInfoTag>;
  let first = true;
  while (offset + 4 <= buf.length) {
    if (buf[offset] !== 0xff && buf.length - offset === 128 && buf.toString('latin1', offset, offset + 3) === 'TAG') break;
    const h = readFrameHeader(buf, offset);
    if (sampleRate && h.rate !== sampleRate) throw new Error(`invalid MP3: sample rate changes at byte ${offset}`);
    if (offset + h.length > buf.length) throw new Error(`invalid MP3: frame at byte ${offset} is cut short`);
    sampleRate = h.rate;
    const info = first ? readInfoTag(buf, offset, h) : undefined;
    first = false;
    if (info) {
      tag = info;
    } else {
      frames++;
      samples += h.samplesPerFrame;
    }
    offset += h.length;
  }
  if (frames === 0) throw new Error('invalid MP3: no frames');
  const delay = tag?.lame ? tag.delay : 0;
  const padding = tag?.lame ? tag.padding : 0;
  return {
    frames,
    sampleRate,
    durationMs: ((samples - delay - padding) / sampleRate) * 1000,
    rawDurationMs: (samples / sampleRate) * 1000,
    encoderDelay: delay,
    padding,
    gapless: Boolean(tag?.lame),
    leadingBytes,
  };
}

let crc16Table: Uint16Array | undefined;
function crc16(buf: Buffer): number {
  if (!crc16Table) {
    crc16Table = new Uint16Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
      crc16Table[n] = c;
    }
  }
  let crc = 0;
  for (const b of buf) crc = (crc >>> 8) ^ crc16Table[(crc ^ b) & 0xff]!;
  return crc;
}

/**
 * Builds the Info frame (Xing header with a LAME extension) that goes before a CBR MP3 stream, so players
 * know its exact length: `delay` samples at the start and `padding` at the end are not part of the audio.
 * `firstFrame` is the stream's first audio frame, whose header the tag frame copies.
 */
export function mp3InfoFrame(firstFrame: Buffer, opts: { frames: number; streamBytes: number; delay: number; padding: number }): Buffer {
  const h = readFrameHeader(firstFrame, 0);
  const frame = Buffer.alloc(h.length - ((firstFrame[2]! >> 1) & 1));
  firstFrame.copy(frame, 0, 0, 4);
  frame[1] = frame[1]! | 0x01; // no CRC
  frame[2] = frame[2]! & ~0x02; // no padding bit
  const tag = readFrameHeader(frame, 0).tagOffset;
  if (tag + 120 + 36 > frame.length) throw new Error('MP3 frames too small to hold an Info tag');
  const total = opts.streamBytes + frame.length;
  let p = tag;
  frame.write('Info', p, 'latin1');
  frame.writeUInt32BE(0x0000000f, p + 4); // frames, bytes, TOC, quality
  frame.writeUInt32BE(opts.frames, p + 8);
  frame.writeUInt32BE(total, p + 12);
  // A uniform table of contents suits a constant-bitrate stream.
  for (let i = 0; i < 100; i++) frame[p + 16 + i] = Math.min(255, Math.floor((i * 256) / 100));
  frame.writeUInt32BE(0, p + 116);
  p += 120;
  frame.write('LAME3.100', p, 'latin1');
  frame[p + 9] = 0x01; // tag revision 0, constant bitrate
  frame[p + 20] = Math.min(255, h.kbps);
  const dp = (Math.min(opts.delay, 0xfff) << 12) | Math.min(opts.padding, 0xfff);
  frame[p + 21] = dp >> 16;
  frame[p + 22] = (dp >> 8) & 0xff;
  frame[p + 23] = dp & 0xff;
  frame.writeUInt32BE(total, p + 28); // music length
  frame.writeUInt16BE(crc16(frame.subarray(0, p + 34)), p + 34);
  return frame;
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

// ---- Ogg Opus (RFC 7845): pages with CRCs and granule positions in 48 kHz samples ----

let oggTable: Uint32Array | undefined;
/** The Ogg page checksum (CRC-32, polynomial 0x04c11db7, not reflected, no final xor). */
export function oggCrc(buf: Buffer): number {
  if (!oggTable) {
    oggTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n << 24;
      for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
      oggTable[n] = c >>> 0;
    }
  }
  let crc = 0;
  for (const b of buf) crc = ((crc << 8) ^ oggTable[((crc >>> 24) ^ b) & 0xff]!) >>> 0;
  return crc;
}

function oggPage(packets: Buffer[], o: { serial: number; sequence: number; granule: bigint; flags: number }): Buffer {
  const lacing: number[] = [];
  for (const p of packets) {
    for (let n = p.length; ; n -= 255) {
      lacing.push(Math.min(255, n));
      if (n < 255) break;
    }
  }
  if (lacing.length > 255) throw new Error('too many packets for one Ogg page');
  const header = Buffer.alloc(27 + lacing.length);
  header.write('OggS', 0, 'latin1');
  header[4] = 0;
  header[5] = o.flags;
  header.writeBigUInt64LE(o.granule, 6);
  header.writeUInt32LE(o.serial, 14);
  header.writeUInt32LE(o.sequence, 18);
  header[26] = lacing.length;
  lacing.forEach((l, i) => (header[27 + i] = l));
  const page = Buffer.concat([header, ...packets]);
  page.writeUInt32LE(oggCrc(page), 22);
  return page;
}

export interface OggOpusStream {
  /** Opus packets in order, each `frameSamples48` long at 48 kHz. */
  packets: Buffer[];
  frameSamples48: number;
  /** Samples of real audio at 48 kHz (the final granule trims the rest). */
  samples48: number;
  /** Encoder lookahead to drop at the start, in 48 kHz samples. */
  preSkip: number;
  inputSampleRate: number;
  /** Logical stream serial number. @default 0x426f6c74 */
  serial?: number;
  vendor?: string;
}

/** Wraps Opus packets in an Ogg container: OpusHead, OpusTags, then audio pages of about one second. */
export function writeOggOpus(s: OggOpusStream): Buffer {
  const serial = s.serial ?? 0x426f6c74;
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1; // version
  head[9] = 1; // mono
  head.writeUInt16LE(s.preSkip, 10);
  head.writeUInt32LE(s.inputSampleRate, 12);
  head.writeInt16LE(0, 16); // output gain
  head[18] = 0; // mapping family
  const vendor = Buffer.from(s.vendor ?? 'Bolt IA', 'utf8');
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
  tags.write('OpusTags', 0, 'latin1');
  tags.writeUInt32LE(vendor.length, 8);
  vendor.copy(tags, 12);
  tags.writeUInt32LE(0, 12 + vendor.length);
  const pages = [oggPage([head], { serial, sequence: 0, granule: 0n, flags: 0x02 }), oggPage([tags], { serial, sequence: 1, granule: 0n, flags: 0 })];
  const end = BigInt(s.preSkip + s.samples48);
  const perPage = Math.max(1, Math.round(48000 / s.frameSamples48));
  if (s.packets.length * s.frameSamples48 < s.preSkip + s.samples48) throw new Error('Opus packets are shorter than the audio they should hold');
  for (let i = 0, seq = 2; i < s.packets.length; i += perPage, seq++) {
    const batch = s.packets.slice(i, i + perPage);
    const last = i + perPage >= s.packets.length;
    const granule = last ? end : BigInt((i + batch.length) * s.frameSamples48);
    pages.push(oggPage(batch, { serial, sequence: seq, granule: granule < end ? granule : end, flags: last ? 0x04 : 0 }));
  }
  return Buffer.concat(pages);
}

/** Facts read from an Ogg Opus file, checked page by page. */
export interface OggOpusInfo {
  channels: number;
  preSkip: number;
  inputSampleRate: number;
  pages: number;
  packets: Buffer[];
  finalGranule: bigint;
  /** Playing time: (final granule − pre-skip) / 48 kHz. */
  durationMs: number;
}

/** Parses and validates an Ogg Opus file (checksums, page order, headers, granules); throws on anything wrong. */
export function parseOggOpus(buf: Buffer): OggOpusInfo {
  let offset = 0;
  let sequence = 0;
  let serial: number | undefined;
  let lastGranule = -1n;
  let eos = false;
  const packets: Buffer[] = [];
  let partial: Buffer[] = [];
  while (offset < buf.length) {
    if (eos) throw new Error(`invalid Ogg: data after the end-of-stream page at byte ${offset}`);
    if (buf.toString('latin1', offset, offset + 4) !== 'OggS') throw new Error(`invalid Ogg: no capture pattern at byte ${offset}`);
    if (offset + 27 > buf.length) throw new Error('invalid Ogg: page header cut short');
    const flags = buf[offset + 5]!;
    const granule = buf.readBigInt64LE(offset + 6);
    const pageSerial = buf.readUInt32LE(offset + 14);
    const pageSeq = buf.readUInt32LE(offset + 18);
    const segments = buf[offset + 26]!;
    const lacing = buf.subarray(offset + 27, offset + 27 + segments);
    const bodyLength = lacing.reduce((a, b) => a + b, 0);
    const pageEnd = offset + 27 + segments + bodyLength;
    if (pageEnd > buf.length) throw new Error(`invalid Ogg: page at byte ${offset} is cut short`);
    const page = Buffer.from(buf.subarray(offset, pageEnd));
    const crc = page.readUInt32LE(22);
    page.writeUInt32LE(0, 22);
    if (oggCrc(page) !== crc) throw new Error(`invalid Ogg: bad checksum in page ${pageSeq}`);
    if ((flags & 0x02) !== 0 !== (sequence === 0)) throw new Error(`invalid Ogg: beginning-of-stream flag wrong on page ${pageSeq}`);
    if (serial !== undefined && pageSerial !== serial) throw new Error('invalid Ogg: more than one logical stream');
    if (pageSeq !== sequence) throw new Error(`invalid Ogg: page ${pageSeq} where ${sequence} was expected`);
    serial = pageSerial;
    let at = offset + 27 + segments;
    for (const l of lacing) {
      partial.push(buf.subarray(at, at + l));
      at += l;
      if (l < 255) {
        packets.push(Buffer.concat(partial));
        partial = [];
      }
    }
    if (granule !== -1n) {
      if (granule < lastGranule) throw new Error(`invalid Ogg: granule position goes back on page ${pageSeq}`);
      lastGranule = granule;
    }
    eos = (flags & 0x04) !== 0;
    sequence++;
    offset = pageEnd;
  }
  if (!eos) throw new Error('invalid Ogg: no end-of-stream page');
  const head = packets[0];
  if (!head || head.toString('latin1', 0, 8) !== 'OpusHead') throw new Error('invalid Ogg Opus: first packet is not OpusHead');
  if (packets[1]?.toString('latin1', 0, 8) !== 'OpusTags') throw new Error('invalid Ogg Opus: second packet is not OpusTags');
  const preSkip = head.readUInt16LE(10);
  return {
    channels: head[9]!,
    preSkip,
    inputSampleRate: head.readUInt32LE(12),
    pages: sequence,
    packets: packets.slice(2),
    finalGranule: lastGranule,
    durationMs: (Number(lastGranule - BigInt(preSkip)) / 48000) * 1000,
  };
}

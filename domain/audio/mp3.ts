// MP3 (MPEG Layer III) frames: the frame-chain parser that measures a stream, and the gapless Info/LAME tag
// frame written before an encoded stream.

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

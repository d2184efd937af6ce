// Pure audio helpers: WAV (LINEAR16) framing and MP3 frame parsing, used to join chunks and to measure real durations.

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
  frames: number;
  sampleRate: number;
  durationMs: number;
  /** Bytes before the first frame (ID3v2 tag), if any. */
  leadingBytes: number;
}

const BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/**
 * Parses an MPEG-1/2/2.5 Layer III stream frame by frame and returns its real duration.
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
  while (offset + 4 <= buf.length) {
    const b1 = buf[offset + 1]!;
    if (buf[offset] !== 0xff || (b1 & 0xe0) !== 0xe0) {
      // A trailing ID3v1 tag is the only thing allowed after the last frame.
      if (buf.length - offset === 128 && buf.toString('latin1', offset, offset + 3) === 'TAG') break;
      throw new Error(`invalid MP3: no frame sync at byte ${offset}`);
    }
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
    const length = Math.floor(((samplesPerFrame / 8) * kbps * 1000) / rate) + padding;
    if (sampleRate && rate !== sampleRate) throw new Error(`invalid MP3: sample rate changes at byte ${offset}`);
    if (offset + length > buf.length) throw new Error(`invalid MP3: frame at byte ${offset} is cut short`);
    sampleRate = rate;
    frames++;
    samples += samplesPerFrame;
    offset += length;
  }
  if (frames === 0) throw new Error('invalid MP3: no frames');
  return { frames, sampleRate, durationMs: (samples / sampleRate) * 1000, leadingBytes };
}

// Audio encoding: PCM to MP3 (LAME, pure JS) and WAV; chunks are joined as PCM and encoded once.
import { encodeWav, type Pcm } from '../domain/audio';

type Lame = typeof import('@breezystack/lamejs');
let lame: Promise<Lame> | undefined;
// The package's CommonJS entry is broken; its ES module entry works through a dynamic import.
const loadLame = () => (lame ??= import('@breezystack/lamejs'));

/** Encodings Bolt IA can produce for a finished narration. */
export const AudioEncoding = { mp3: 'MP3', linear16: 'LINEAR16' } as const;
export type AudioEncoding = (typeof AudioEncoding)[keyof typeof AudioEncoding];

/** Encodes mono PCM as one constant-bitrate MP3 stream. @default kbps 64 */
export async function encodeMp3(pcm: Pcm, kbps = 64): Promise<Buffer> {
  const { Mp3Encoder } = await loadLame();
  const encoder = new Mp3Encoder(1, pcm.sampleRate, kbps);
  const parts: Buffer[] = [];
  const block = 1152 * 32;
  for (let i = 0; i < pcm.samples.length; i += block) {
    const out = encoder.encodeBuffer(pcm.samples.subarray(i, i + block));
    if (out.length) parts.push(Buffer.from(out.buffer, out.byteOffset, out.length));
  }
  const tail = encoder.flush();
  if (tail.length) parts.push(Buffer.from(tail.buffer, tail.byteOffset, tail.length));
  return Buffer.concat(parts);
}

/** Encodes PCM in the requested encoding. */
export async function encodeAudio(pcm: Pcm, encoding: AudioEncoding): Promise<{ body: Buffer; contentType: string; extension: string }> {
  switch (encoding) {
    case AudioEncoding.mp3:
      return { body: await encodeMp3(pcm), contentType: 'audio/mpeg', extension: 'mp3' };
    case AudioEncoding.linear16:
      return { body: encodeWav(pcm), contentType: 'audio/wav', extension: 'wav' };
  }
}

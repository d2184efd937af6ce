// An Ogg Opus checker for tests and the narration benchmark: every page's checksum, order and granule, and the
// Opus headers; production only writes Ogg (domain/audio/ogg.ts).
import { oggCrc } from '../../domain/audio/ogg';

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

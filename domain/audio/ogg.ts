// Ogg Opus (RFC 7845): pages with CRCs and granule positions in 48 kHz samples, written around Opus packets
// and parsed back with every check.

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

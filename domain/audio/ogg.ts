// Ogg Opus (RFC 7845): Opus packets written into pages with CRCs and granule positions in 48 kHz samples.

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

// Reads and writes the catalog's data files (the shipped catalog/*.json, or the files configuration points to)
// and refreshes the voices file from Google's voices.list.
import fs from 'node:fs';
import path from 'node:path';
import type { TextToSpeechClient } from '@google-cloud/text-to-speech';
import {
  buildCatalog,
  diffVoices,
  parsePrices,
  parseVoiceName,
  shippedCatalog,
  type PriceTable,
  type Voice,
  type VoiceCatalog,
  type VoiceDiff,
  type VoicesFile,
} from '../domain/catalog';

/** Where the shipped voices file lives in the repository. */
export const SHIPPED_VOICES_PATH = path.resolve(__dirname, '..', 'catalog', 'voices.json');

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch (err) {
    throw new Error(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The catalog and prices in use: configured files when given, the shipped ones otherwise. */
export function loadCatalog(paths: { voicesPath?: string; pricesPath?: string } = {}): { catalog: VoiceCatalog; prices: PriceTable } {
  const shipped = shippedCatalog();
  return {
    catalog: paths.voicesPath ? buildCatalog(readJson(paths.voicesPath)) : shipped.catalog,
    prices: paths.pricesPath ? parsePrices(readJson(paths.pricesPath)) : shipped.prices,
  };
}

/** Reads a voices file as it is on disk (for `voices sync`). */
export function readVoicesFile(file: string): VoicesFile {
  const data = readJson(file);
  buildCatalog(data); // validates
  return data as VoicesFile;
}

/** Writes a voices file atomically (temp file, then rename), so a crash never leaves half a catalog. */
export function writeVoicesFile(file: string, data: VoicesFile): void {
  buildCatalog(data);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** voices.list gender enum numbers, as the REST transport may deliver them. */
const GENDERS: Record<string, Voice['ssmlGender']> = { '0': 'SSML_VOICE_GENDER_UNSPECIFIED', '1': 'MALE', '2': 'FEMALE', '3': 'NEUTRAL' };

/** A fresh voices.list answer: catalog voices, plus the names left out (bare Gemini-TTS speakers, unknown families). */
export async function fetchVoices(client: TextToSpeechClient): Promise<{ voices: Voice[]; skipped: string[] }> {
  const [res] = await client.listVoices({});
  const voices: Voice[] = [];
  const skipped: string[] = [];
  for (const v of res.voices ?? []) {
    const name = v.name ?? '';
    if (!parseVoiceName(name)?.family) {
      skipped.push(name);
      continue;
    }
    const gender = GENDERS[String(v.ssmlGender)] ?? (String(v.ssmlGender) as Voice['ssmlGender']);
    voices.push({ name, languageCodes: [...(v.languageCodes ?? [])], ssmlGender: gender, naturalSampleRateHertz: Number(v.naturalSampleRateHertz ?? 0) });
  }
  voices.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { voices, skipped };
}

/** What a sync found and did. */
export interface SyncReport extends VoiceDiff {
  file: string;
  endpoint: string;
  total: number;
  skipped: string[];
  written: boolean;
}

/**
 * Refreshes a voices file from voices.list: reports added, removed and changed voices and, unless
 * `dryRun`, rewrites the file with the new list and a `lastSync` stamp (its source notes are kept).
 */
export async function syncVoicesFile(opts: { client: TextToSpeechClient; file: string; endpoint: string; dryRun?: boolean; now?: Date }): Promise<SyncReport> {
  const current = readVoicesFile(opts.file);
  const { voices, skipped } = await fetchVoices(opts.client);
  if (voices.length === 0) throw new Error(`voices.list at ${opts.endpoint} returned no catalog voices; the file is left as it is`);
  const diff = diffVoices(current.voices, voices);
  const changes = diff.added.length + diff.removed.length + diff.changed.length;
  let written = false;
  if (!opts.dryRun && changes > 0) {
    writeVoicesFile(opts.file, {
      ...current,
      source: {
        ...current.source,
        lastSync: { at: (opts.now ?? new Date()).toISOString(), endpoint: opts.endpoint, added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length },
      },
      voices,
    });
    written = true;
  }
  return { ...diff, file: opts.file, endpoint: opts.endpoint, total: voices.length, skipped, written };
}

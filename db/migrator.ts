// Runs the Kysely migrations; the list is explicit so it works the same from source and from any loader.
import type { Kysely } from 'kysely';
// kysely 0.29 moved the Migrator to 'kysely/migration' but needs Node 22; 0.28 exports it from the root.
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import * as initial from './migrations/2026_11_25_0001_initial';
import * as apiKeys from './migrations/2026_11_25_0100_api_keys';
import * as apiKeyMinuteLog from './migrations/2026_11_25_0850_api_key_minute_log';
import * as accounts from './migrations/2026_11_25_0400_accounts';
import * as orchestration from './migrations/2026_11_25_0500_orchestration';
import * as scriptCache from './migrations/2026_11_25_0600_script_cache';
import * as batchMessage from './migrations/2026_11_25_0700_batch_message';
import * as audioCache from './migrations/2026_11_25_0900_audio_cache';
import * as batchCosts from './migrations/2026_12_01_0100_batch_costs';
import * as favouriteVoices from './migrations/2026_12_01_0200_favourite_voices';
import * as userLimits from './migrations/2026_12_02_0200_user_limits';
import * as loginThrottle from './migrations/2026_12_02_0100_login_throttle';
import * as webhookSealingKeys from './migrations/2026_12_02_0110_webhook_sealing_keys';
import * as estimateIndexes from './migrations/2026_12_02_0120_estimate_indexes';
import * as paidLeases from './migrations/2026_12_02_0300_paid_leases';
import * as geminiTts from './migrations/2026_12_02_0500_gemini_tts';
import * as narrationQuality from './migrations/2026_12_02_0600_narration_quality';
import * as waitReasons from './migrations/2026_12_02_0700_wait_reasons';
import * as counterShards from './migrations/2026_12_02_0800_counter_shards';
import * as languageCounts from './migrations/2026_12_02_0900_language_counts';
import * as checkCountIndexes from './migrations/2026_12_02_0910_check_count_indexes';

/** Every migration, by its frozen, sortable name. */
export const migrations: Record<string, Migration> = {
  '2026_11_25_0001_initial': initial,
  '2026_11_25_0100_api_keys': apiKeys,
  '2026_11_25_0400_accounts': accounts,
  '2026_11_25_0500_orchestration': orchestration,
  '2026_11_25_0600_script_cache': scriptCache,
  '2026_11_25_0700_batch_message': batchMessage,
  '2026_11_25_0850_api_key_minute_log': apiKeyMinuteLog,
  '2026_11_25_0900_audio_cache': audioCache,
  '2026_12_01_0100_batch_costs': batchCosts,
  '2026_12_01_0200_favourite_voices': favouriteVoices,
  '2026_12_02_0200_user_limits': userLimits,
  '2026_12_02_0100_login_throttle': loginThrottle,
  '2026_12_02_0110_webhook_sealing_keys': webhookSealingKeys,
  '2026_12_02_0120_estimate_indexes': estimateIndexes,
  '2026_12_02_0300_paid_leases': paidLeases,
  '2026_12_02_0500_gemini_tts': geminiTts,
  '2026_12_02_0600_narration_quality': narrationQuality,
  '2026_12_02_0700_wait_reasons': waitReasons,
  '2026_12_02_0800_counter_shards': counterShards,
  '2026_12_02_0900_language_counts': languageCounts,
  '2026_12_02_0910_check_count_indexes': checkCountIndexes,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Brings the schema to the newest migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

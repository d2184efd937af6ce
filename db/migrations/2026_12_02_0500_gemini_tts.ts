// Gemini-TTS: the agent's style prompt (per version), a job's note (a style prompt its voice ignored), the tokens a
// Gemini-TTS narration was billed, and per-model request logs that keep the family's quotas apart from classic voices.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('agent_versions').addColumn('voice_style', 'text').execute();
  await db.schema
    .alterTable('jobs')
    .addColumn('note', 'text')
    .addColumn('tts_model', 'text')
    .addColumn('tts_input_tokens', 'integer')
    .addColumn('tts_output_tokens', 'integer')
    .execute();
  // One request log per (service, owner, model): owner is `project:<name>` or `key:<id>` (a key without a project).
  await db.schema
    .createTable('api_key_model_usage')
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('minute_log', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('api_key_model_usage_pk', ['service', 'owner', 'model'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('api_key_model_usage').execute();
  await db.schema.alterTable('jobs').dropColumn('note').dropColumn('tts_model').dropColumn('tts_input_tokens').dropColumn('tts_output_tokens').execute();
  await db.schema.alterTable('agent_versions').dropColumn('voice_style').execute();
}

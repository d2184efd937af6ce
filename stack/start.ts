// `npm start`: the whole product on one machine, with nothing to configure.
// package.json runs it as `exec node --import tsx`, not `tsx`: without `exec`, npm passes a SIGTERM to
// `sh`, which dies and leaves this process running unsignalled; and tsx's own wrapper SIGKILLs a child
// that is slow to acknowledge a relayed signal, which would skip the ordered stop and orphan Temporal
// and PostgreSQL. `npm run api` and `npm run worker` are run the same way, for `docker stop`.
import { createLogger } from '../adapters/logger';
import { loadConfig } from '../domain/config';
import { startStack } from './stack';
import { ensureWebBuild } from './web-build';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  // Readable lines in a terminal, JSON lines (one object each) when the output goes to a file or a collector.
  const log = createLogger({ level: config.logLevel, name: 'bolt', pretty: process.stdout.isTTY === true });
  log(`data directory: ${config.dataDir}`);
  // The page is served at / from web/dist; a missing or stale build is rebuilt first (a failed build is reported, the API still starts).
  await ensureWebBuild(log).catch((err: unknown) => log(`the page is not served: ${err instanceof Error ? err.message : String(err)}`));
  const stack = await startStack({ config, log, persistent: true });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping…`);
    stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  log(`Temporal: ${stack.temporal.source} at ${stack.temporal.address}`);
  if (stack.temporal.uiUrl) log(`Temporal Web UI: ${stack.temporal.uiUrl}`);
  if (stack.temporal.metricsUrl) log(`Temporal dev server metrics: ${stack.temporal.metricsUrl}`);
  log(`PostgreSQL: ${stack.postgres.source}`);
  log(`storage: ${stack.storage.description}`);
  const sim = stack.simulators ? ` (simulators at ${stack.simulators.url})` : '';
  log(`providers: Gemini=${stack.providers.kind.gemini}, TTS=${stack.providers.kind.tts}${sim}`);
  log(`API: ${stack.apiUrl} — ready; the page is at ${stack.apiUrl}/. Ctrl-C stops everything.`);
}

main().catch((err: unknown) => {
  console.error(`[bolt] failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

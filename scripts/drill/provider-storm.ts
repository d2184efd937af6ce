// The `provider-storm` drill: both providers answer 30 % of calls with 503 and leave 10 % unanswered until
// they give up (a hang, then 504), every key gets 429 bursts (4 s of RESOURCE_EXHAUSTED every 20 s), and one
// Gemini key is revoked (400 API_KEY_INVALID from then on) at half the jobs done. The pool holds three keys
// per service (the built-in simulator key and two more). Options: see harness.ts.
import { addKey } from '../../db/keys';
import { SIMULATOR_API_KEY } from '../../adapters/providers';
import type { Stack } from '../../stack/stack';
import { DRILL_SIMULATORS, runDrill, type DrillContext } from './harness';

const STORM = { errorRate: 0.3, errorStatus: 503, timeoutRate: 0.1, hangMs: 3000 };
const EXTRA_KEYS = { gemini: ['drill-storm-gemini-key-1', 'drill-storm-gemini-key-2'], tts: ['drill-storm-tts-key-1', 'drill-storm-tts-key-2'] } as const;
const REVOKED = EXTRA_KEYS.gemini[0];
const BURST = { everyMs: 20_000, lastsMs: 4_000, retryDelaySeconds: 2 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function prepare(stack: Stack): Promise<void> {
  const master = stack.masterKeys[0]!;
  for (const service of ['gemini', 'tts'] as const) {
    for (const [i, key] of EXTRA_KEYS[service].entries()) {
      await addKey(stack.db, master, { service, key, accountEmail: `drill-${service}-${i}@localhost`, target: 'simulator', label: `storm ${service} ${i + 1}`, ...(service === 'gemini' ? { project: `storm-project-${i + 1}` } : {}) });
    }
  }
}

/** Every key of both services answered with 429 for a while, then served again. */
async function burst(stack: Stack): Promise<void> {
  const sims = [
    { sim: stack.simulators!.gemini, keys: [SIMULATOR_API_KEY, ...EXTRA_KEYS.gemini] },
    { sim: stack.simulators!.tts, keys: [SIMULATOR_API_KEY, ...EXTRA_KEYS.tts] },
  ];
  for (const { sim, keys } of sims) sim.options = { ...sim.options, exhaustedKeys: Object.fromEntries(keys.map((k) => [k, { retryDelaySeconds: BURST.retryDelaySeconds }])) };
  await sleep(BURST.lastsMs);
  for (const { sim } of sims) sim.options = { ...sim.options, exhaustedKeys: undefined };
}

async function breakIt(ctx: DrillContext): Promise<number> {
  const sims = ctx.stack.simulators!;
  ctx.note(`storm on: ${STORM.errorRate * 100} % ${STORM.errorStatus}s and ${STORM.timeoutRate * 100} % hangs (${STORM.hangMs} ms, then 504) on Gemini and TTS`);
  let breaks = 1;
  const revoke = ctx.untilDone(Math.ceil(ctx.jobs / 2)).then(() => {
    sims.gemini.options = { ...sims.gemini.options, invalidKeys: [REVOKED] };
    ctx.note(`revoked Gemini key …${REVOKED.slice(-4)} (400 API_KEY_INVALID from now on) at half the jobs done`);
    breaks++;
  });
  revoke.catch(() => undefined);
  await sleep(BURST.everyMs / 2);
  while (ctx.running()) {
    ctx.note(`429 burst: every key exhausted for ${BURST.lastsMs / 1000} s (retry in ${BURST.retryDelaySeconds} s)`);
    await burst(ctx.stack);
    breaks++;
    await sleep(BURST.everyMs - BURST.lastsMs);
  }
  await revoke.catch((err: unknown) => ctx.note(`no key revoked: ${err instanceof Error ? err.message : String(err)}`));
  return breaks;
}

export function run(argv: string[]): Promise<void> {
  const simulators = { gemini: { ...DRILL_SIMULATORS.gemini, ...STORM }, tts: { ...DRILL_SIMULATORS.tts, ...STORM } };
  return runDrill({ name: 'provider-storm', simulators, prepare, breakIt }, argv);
}

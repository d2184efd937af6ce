// A server stopped mid-batch and started again (the temporal-restart and postgres-restart drills).
import { runDrill, type DrillContext } from './harness';

export interface Restartable {
  stop(): Promise<void>;
  start?(): Promise<void>;
}

/**
 * Runs a drill that stops `server(ctx)` at 40 % of the jobs done, after counting the paid calls in flight,
 * keeps it down for --down seconds, then starts it again.
 */
export function restartDrill(o: { name: string; what: string; persistent?: boolean; server: (ctx: DrillContext) => Restartable }, argv: string[]): Promise<void> {
  const breakIt = async (ctx: DrillContext): Promise<number> => {
    const server = o.server(ctx);
    if (!server.start) throw new Error(`this ${o.what} cannot be restarted (not one the stack started)`);
    await ctx.untilDone(Math.ceil(ctx.jobs * 0.4));
    const n = await ctx.countInFlight();
    await server.stop();
    ctx.note(`stopped ${o.what} at 40 % of the jobs done, with ${n} paid calls in flight`);
    await new Promise((r) => setTimeout(r, ctx.args.down * 1000));
    await server.start();
    ctx.note(`started ${o.what} again on the same data and port after ${ctx.args.down} s down`);
    return 1;
  };
  return runDrill({ name: o.name, persistent: o.persistent, breakIt }, argv);
}

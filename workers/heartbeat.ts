// Heartbeats every activity that has a heartbeat timeout while it runs, so a worker that dies
// mid-call is noticed in seconds (and its activities retried elsewhere), not at the end of a
// start-to-close timeout of minutes; heartbeats also deliver cancellation to running activities.
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** Heartbeats at a third of the activity's heartbeat timeout (at least once a second). */
export const heartbeatInterceptor: ActivityInterceptorsFactory = (ctx: Context) => ({
  inbound: {
    async execute(input, next) {
      const timeout = ctx.info.heartbeatTimeoutMs;
      if (!timeout) return next(input);
      const timer = setInterval(() => ctx.heartbeat(), Math.max(1000, Math.floor(timeout / 3)));
      try {
        return await next(input);
      } finally {
        clearInterval(timer);
      }
    },
  },
});

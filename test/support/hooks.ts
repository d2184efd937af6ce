// Mocha root hooks: the network rule holds in this process from the start (loopback only), and the shared stack
// is stopped once, after every test file has run; then the run fails if any connection elsewhere was refused.
import assert from 'node:assert/strict';
import { installLoopbackGuard, loopbackViolations } from './loopback-guard';
import { stopTestStack } from './stack';

installLoopbackGuard();

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopTestStack();
    assert.deepEqual(loopbackViolations(), [], 'connections refused by the network rule (tests reach loopback only)');
  },
};

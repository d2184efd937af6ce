// Mocha root hooks: the shared stack is stopped once, after every test file has run.
import { stopTestStack } from './stack';

export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopTestStack();
  },
};

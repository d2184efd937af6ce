import assert from 'node:assert/strict';
import { UNLIMITED, attemptsAllowed, budgetMessage } from '../../domain/budget';

describe('budget cap', () => {
  it('allows whole attempts that fit under the cap, minus those already made', () => {
    assert.equal(attemptsAllowed(1.0, 0.1, 0), 10);
    assert.equal(attemptsAllowed(0.75, 0.1, 0), 7);
    assert.equal(attemptsAllowed(0.75, 0.1, 5), 2);
    assert.equal(attemptsAllowed(0.75, 0.1, 9), 0, 'never negative');
    assert.equal(attemptsAllowed(0.0999, 0.1, 0), 0, 'a cap below one job starts nothing');
  });

  it('is unlimited without a cap or a known per-job cost', () => {
    assert.equal(attemptsAllowed(undefined, 0.1, 50), UNLIMITED);
    assert.equal(attemptsAllowed(5, 0, 50), UNLIMITED);
  });

  it('explains the stop in dollars', () => {
    assert.equal(budgetMessage(1.5, 0.0123, 12), 'stopped by the budget cap of $1.50: 12 job attempts at an estimated $0.0123 each; starting another would exceed it');
  });
});

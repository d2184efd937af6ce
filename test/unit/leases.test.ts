// What counts as PostgreSQL being away (retried) versus a statement being wrong (thrown at once).
import assert from 'node:assert/strict';
import { isConnectionError, untilPostgres } from '../../db/leases';

describe('waiting for PostgreSQL to come back', () => {
  it('tells a lost or refused connection from a bad statement', () => {
    assert.ok(isConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })));
    assert.ok(isConnectionError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })));
    assert.ok(isConnectionError(new Error('Connection terminated unexpectedly')));
    assert.ok(!isConnectionError(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' })));
    assert.ok(!isConnectionError(undefined));
  });

  it('retries while the connection is refused, then returns; a bad statement is not retried', async () => {
    let tries = 0;
    const waits: unknown[] = [];
    const v = await untilPostgres(
      async () => {
        if (++tries < 3) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return 'stored';
      },
      { onWait: (e) => waits.push(e) },
    );
    assert.equal(v, 'stored');
    assert.equal(tries, 3);
    assert.equal(waits.length, 2);
    let bad = 0;
    await assert.rejects(
      untilPostgres(async () => {
        bad++;
        throw Object.assign(new Error('syntax error'), { code: '42601' });
      }),
      /syntax error/,
    );
    assert.equal(bad, 1);
  });

  it('gives up once its patience is spent', async () => {
    await assert.rejects(untilPostgres(async () => Promise.reject(Object.assign(new Error('down'), { code: 'ECONNREFUSED' })), { maxMs: 600 }), /down/);
  });
});

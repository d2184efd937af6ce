// The logger: JSON lines, redaction of secret fields, the async context of a job or request, the
// Temporal SDK's lines mapped to our field names, and plain callbacks turned into loggers.
import assert from 'node:assert/strict';
import { asLog, createLogger, idsFromWorkflowId, temporalLogger, withLogContext } from '../../adapters/logger';

function capture(level: 'debug' | 'info' = 'debug') {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const log = createLogger({ level, name: 'test', destination: { write: (s: string) => (raw.push(s), lines.push(JSON.parse(s) as Record<string, unknown>)) } });
  return { log, lines, raw };
}

const BATCH = '0b9d2f8e-1234-4abc-9def-0123456789ab';

describe('logger', () => {
  it('writes one JSON object per line with level, time, name and message; filters by level', () => {
    const { log, lines } = capture('info');
    log('plain line');
    log.debug('not shown at info');
    log.error('went wrong', { code: 'x' });
    assert.equal(lines.length, 2);
    assert.deepEqual([lines[0]!.level, lines[0]!.name, lines[0]!.msg], ['info', 'test', 'plain line']);
    assert.match(String(lines[0]!.time), /^\d{4}-\d\d-\d\dT/);
    assert.deepEqual([lines[1]!.level, lines[1]!.code], ['error', 'x']);
  });

  it('redacts passwords, tokens, keys and authorization headers wherever a field carries them', () => {
    const { log, raw } = capture();
    log.info('fields', { password: 'hunter2-pw', token: 'tok-123456', apiKey: 'AIzaSecretKey', user: { password: 'nested-pw', secret: 's3cr3t' }, req: { headers: { authorization: 'Bearer abcdefghij' } } });
    const text = raw.join('');
    for (const s of ['hunter2-pw', 'tok-123456', 'AIzaSecretKey', 'nested-pw', 's3cr3t', 'abcdefghij']) assert.ok(!text.includes(s), s);
    assert.ok(text.includes('[redacted]'));
  });

  it('adds the fields of the current context to every line, nested contexts merged, none outside', async () => {
    const { log, lines } = capture();
    await withLogContext({ batchId: 'b1', reqId: 'r1' }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      await withLogContext({ jobId: 'j1', attempt: 2 }, async () => log('inner'));
      log('outer');
    });
    log('outside');
    assert.deepEqual(
      lines.map((l) => [l.msg, l.batchId, l.jobId, l.attempt, l.reqId]),
      [
        ['inner', 'b1', 'j1', 2, 'r1'],
        ['outer', 'b1', undefined, undefined, 'r1'],
        ['outside', undefined, undefined, undefined, undefined],
      ],
    );
  });

  it('maps Temporal SDK lines: activityType → activity, batch from the workflow id, task token dropped', () => {
    const { log, lines, raw } = capture();
    const t = temporalLogger(log);
    t.debug('Activity started', { activityType: 'synthesizeSpeech', attempt: 3, workflowId: `job-${BATCH}-7-a2`, taskToken: 'CiQ-secret-token' });
    t.info('No workflows registered, not polling for workflow tasks');
    t.log('WARN', 'warned', { sdkComponent: 'worker' });
    assert.equal(lines.length, 2);
    assert.deepEqual([lines[0]!.activity, lines[0]!.attempt, lines[0]!.batchId, lines[0]!.component, lines[0]!.level], ['synthesizeSpeech', 3, BATCH, 'temporal', 'debug']);
    assert.ok(!raw.join('').includes('CiQ-secret-token'));
    assert.equal(lines[1]!.level, 'warn');
  });

  it('reads batch ids from workflow ids and nothing from other ids', () => {
    assert.deepEqual(idsFromWorkflowId(`batch-${BATCH}`), { batchId: BATCH });
    assert.deepEqual(idsFromWorkflowId(`job-${BATCH}-12`), { batchId: BATCH });
    assert.deepEqual(idsFromWorkflowId('voice-preview-en-US-Neural2-A'), {});
  });

  it('turns a plain callback into a logger that hands it each JSON line; a logger stays itself', () => {
    const got: string[] = [];
    const log = asLog((l) => got.push(l));
    log.warn('hello', { password: 'pw-123' });
    assert.equal(got.length, 1);
    const line = JSON.parse(got[0]!) as Record<string, unknown>;
    assert.deepEqual([line.msg, line.level, line.password], ['hello', 'warn', '[redacted]']);
    assert.equal(asLog(log), log);
  });
});

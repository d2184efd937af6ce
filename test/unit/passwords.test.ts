// Password hashes: Argon2id for new ones, old scrypt ones still verify and are flagged for an upgrade;
// the login delay grows per attempt past the free ones, up to its ceiling.
import assert from 'node:assert/strict';
import { randomBytes, scryptSync } from 'node:crypto';
import { hashPassword, needsRehash, verifyPassword } from '../../domain/credentials';
import { DEFAULT_LOGIN_LIMITS, delayAfter } from '../../domain/login-throttle';

describe('passwords and login delays', () => {
  it('hashes with Argon2id and verifies old scrypt hashes, flagging them for an upgrade', async () => {
    const h = await hashPassword('correct horse');
    assert.match(h, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.ok(await verifyPassword('correct horse', h));
    assert.ok(!(await verifyPassword('wrong horse', h)));
    assert.equal(needsRehash(h), false);
    const salt = randomBytes(16);
    const old = ['scrypt', 1024, 8, 1, salt.toString('base64url'), scryptSync('correct horse', salt, 32, { N: 1024, r: 8, p: 1 }).toString('base64url')].join('$');
    assert.ok(await verifyPassword('correct horse', old));
    assert.ok(!(await verifyPassword('wrong horse', old)));
    assert.equal(needsRehash(old), true);
    assert.equal(needsRehash('$argon2id$v=19$m=4096,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g'), true, 'weaker settings are upgraded too');
    for (const bad of ['', 'plain', '$argon2id$broken', 'scrypt$1$2']) assert.equal(await verifyPassword('x', bad), false, bad);
  });

  it('waits nothing for the free attempts, then doubles up to the ceiling', () => {
    const rule = DEFAULT_LOGIN_LIMITS.perEmail;
    assert.deepEqual([1, 2, 3, 4].map((n) => delayAfter(n, rule)), [0, 0, 0, 0]);
    assert.deepEqual([5, 6, 7, 8].map((n) => delayAfter(n, rule)), [30_000, 60_000, 120_000, 240_000]);
    assert.equal(delayAfter(50, rule), rule.maxDelayMs);
  });
});

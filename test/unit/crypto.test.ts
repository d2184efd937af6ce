// Keys at rest: AES-256-GCM round trips, bound to their row, refused under another master key.
import assert from 'node:assert/strict';
import { formatMasterKey, generateMasterKey, masterKeyId, openSecret, parseMasterKey, scrubSecret, sealSecret, secretLookup } from '../../domain/crypto';

describe('secrets', () => {
  const master = generateMasterKey();
  const apiKey = 'AIzaSyExample-Key_0123456789abcdefghij';

  it('seals and opens a key; the sealed bytes do not contain it', () => {
    const sealed = sealSecret(master, apiKey, 'row-1');
    assert.equal(sealed.includes(Buffer.from(apiKey)), false);
    assert.equal(openSecret(master, sealed, 'row-1'), apiKey);
    assert.notDeepEqual(sealSecret(master, apiKey, 'row-1'), sealed, 'a fresh IV each time');
  });

  it('refuses another master key, another row and altered bytes', () => {
    const sealed = sealSecret(master, apiKey, 'row-1');
    assert.throws(() => openSecret(generateMasterKey(), sealed, 'row-1'), /does not open/);
    assert.throws(() => openSecret(master, sealed, 'row-2'), /does not open/);
    const altered = Buffer.from(sealed);
    altered[altered.length - 1]! ^= 1;
    assert.throws(() => openSecret(master, altered, 'row-1'), /does not open/);
  });

  it('parses master keys as hex or base64 and names them without revealing them', () => {
    assert.deepEqual(parseMasterKey(formatMasterKey(master)), master);
    assert.deepEqual(parseMasterKey(master.toString('hex')), master);
    assert.throws(() => parseMasterKey('too-short'), /32 bytes/);
    assert.equal(masterKeyId(master).length, 16);
    assert.equal(formatMasterKey(master).includes(masterKeyId(master)), false);
  });

  it('finds duplicates by a keyed digest and scrubs keys out of messages', () => {
    assert.equal(secretLookup(master, apiKey), secretLookup(master, apiKey));
    assert.notEqual(secretLookup(master, apiKey), secretLookup(generateMasterKey(), apiKey));
    assert.equal(scrubSecret(`GET /v1/voices?key=${apiKey} failed`, apiKey), 'GET /v1/voices?key=…ghij failed');
  });
});

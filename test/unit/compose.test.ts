// docker-compose.yml as Debian's docker-compose resolves it: nothing but the API faces the network
// (Temporal, its Web UI, PostgreSQL and S3 publish on 127.0.0.1 or not at all), the API container gets
// no provider key and no master key, and workers can scale (no fixed names or host ports).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { load } from 'js-yaml';
import { TEMPORAL_DYNAMIC_CONFIG } from '../../stack/temporal';

const ROOT = path.join(__dirname, '..', '..');

interface Service {
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  ports?: Array<string | { host_ip?: string; published?: string | number; target?: number }>;
  environment?: Record<string, string | null>;
  container_name?: string;
  healthcheck?: unknown;
}

/** The resolved compose file, with .env.example's required secrets filled by placeholders. */
function resolvedCompose(): { services: Record<string, Service>; volumes?: Record<string, unknown> } {
  const env = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bolt-compose-')), '.env');
  const example = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
  fs.writeFileSync(env, example.replace(/^(POSTGRES_PASSWORD|S3_SECRET_ACCESS_KEY|BOLT_MASTER_KEY)=$/gm, '$1=placeholder-$1'));
  try {
    const out = execFileSync('docker-compose', ['--env-file', env, '-f', path.join(ROOT, 'docker-compose.yml'), 'config'], { encoding: 'utf8' });
    return load(out) as { services: Record<string, Service> };
  } finally {
    fs.rmSync(path.dirname(env), { recursive: true, force: true });
  }
}

describe('docker-compose.yml', () => {
  const compose = resolvedCompose();
  const s = compose.services;

  it('publishes Temporal, the Web UI and the API on 127.0.0.1 only, and PostgreSQL and S3 not at all', () => {
    for (const [name, svc] of Object.entries(s)) {
      for (const p of svc.ports ?? []) {
        const hostIp = typeof p === 'string' ? p.split(':').length === 3 ? p.split(':')[0] : undefined : p.host_ip;
        assert.equal(hostIp, '127.0.0.1', `${name} publishes ${JSON.stringify(p)} beyond the loopback interface`);
      }
    }
    assert.equal(s.postgres!.ports, undefined);
    assert.equal(s.s3!.ports, undefined);
    for (const name of ['temporal', 'temporal-ui', 'api']) assert.ok((s[name]!.ports ?? []).length > 0, `${name} is reachable from the host`);
  });

  it('gives the API container no provider keys and no master key; the workers get them', () => {
    const api = s.api!.environment ?? {};
    for (const v of ['GEMINI_API_KEY', 'GOOGLE_TTS_API_KEY', 'BOLT_MASTER_KEY']) {
      assert.equal(v in api, false, `the api service has ${v}`);
      assert.ok(v in (s.worker!.environment ?? {}), `the worker has ${v}`);
    }
  });

  it('runs a real Temporal on PostgreSQL with the Web UI, registers search attributes, and lets workers scale', () => {
    assert.match(JSON.stringify(s.temporal), /temporalio\/auto-setup/);
    assert.match(JSON.stringify(s.temporal!.environment), /"DB":"postgres12"/);
    assert.match(JSON.stringify(s['temporal-init']), /search-attribute create/);
    assert.ok(s['temporal-ui']);
    assert.equal(s.worker!.container_name, undefined);
    assert.equal(s.worker!.ports, undefined);
    for (const name of ['postgres', 'temporal', 'api', 'worker']) assert.ok(s[name]!.healthcheck || name === 'api', `${name} has a health check`);
    assert.ok(compose.volumes && 'pgdata' in compose.volumes && 's3data' in compose.volumes, 'named volumes');
  });

  it('runs Temporal with the development server’s dynamic config: the priority matcher, one partition per queue', () => {
    const temporal = s.temporal!;
    const file = temporal.environment?.DYNAMIC_CONFIG_FILE_PATH;
    assert.ok(file, 'DYNAMIC_CONFIG_FILE_PATH is set');
    const target = path.posix.join('/etc/temporal', file);
    const mount = (temporal.volumes ?? [])
      .map((v) => (typeof v === 'string' ? { source: v.split(':')[0], target: v.split(':')[1] } : v))
      .find((v) => v.target === target);
    assert.ok(mount?.source, `a file is mounted at ${target}`);
    const values = load(fs.readFileSync(path.resolve(ROOT, mount.source), 'utf8')) as Record<string, Array<{ value: unknown }>>;
    const flat = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v[0]?.value]));
    assert.deepEqual(flat, { ...TEMPORAL_DYNAMIC_CONFIG });
  });
});

// The layering rules of .dependency-cruiser.cjs fail when broken: each planted import must be refused by its rule.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '../..');
const tag = `zz-layering-plant-${process.pid}`;

/** Files to plant (path → imports), and the rule each planted import must break. */
const plants: { file: string; imports: string[]; rules: string[] }[] = [
  { file: `domain/${tag}.ts`, imports: ['node:fs', 'kysely', '../db/connection'], rules: ['domain-is-pure', 'domain-libraries', 'domain-layer'] },
  { file: `db/${tag}.ts`, imports: ['../activities/outputs'], rules: ['db-layer'] },
  { file: `adapters/${tag}.ts`, imports: ['../api/errors', '../test/support/stack'], rules: ['adapters-layer', 'no-test-code-in-production'] },
  { file: `activities/${tag}.ts`, imports: ['../workers/worker'], rules: ['activities-layer'] },
  { file: `api/${tag}.ts`, imports: ['../workflows/batch', '../simulators/server'], rules: ['api-layer', 'no-simulators-in-production'] },
  { file: `workflows/${tag}.ts`, imports: ['../activities', '../domain/preview', 'kysely'], rules: ['workflows-are-deterministic', 'workflows-reach-no-node', 'workflows-libraries'] },
  { file: `workers/${tag}.ts`, imports: ['../stack/stack'], rules: ['workers-layer'] },
  { file: `stack/${tag}.ts`, imports: ['../scripts/bench-batch'], rules: ['stack-layer'] },
  { file: `web/src/${tag}.ts`, imports: ['../../adapters/logger'], rules: ['web-stays-in-the-browser'] },
  { file: `domain/${tag}-a.ts`, imports: [`./${tag}-b`], rules: ['no-circular'] },
  { file: `domain/${tag}-b.ts`, imports: [`./${tag}-a`], rules: [] },
];

interface Violation { rule: { name: string }; from: string; to: string }

async function cruise(files: string[]): Promise<Violation[]> {
  const bin = path.join(root, 'node_modules', '.bin', 'depcruise');
  const run = promisify(execFile)(bin, ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...files], { cwd: root, maxBuffer: 64 << 20 });
  // depcruise exits non-zero when it finds violations; the JSON is on stdout either way.
  const { stdout } = await run.catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('layering rules (dependency-cruiser)', function () {
  this.timeout(120_000);

  before(() => {
    for (const p of plants) {
      const body = p.imports.map((m, i) => `import * as m${i} from '${m}';`).join('\n');
      fs.writeFileSync(path.join(root, p.file), `${body}\nexport const used = [${p.imports.map((_, i) => `m${i}`).join(', ')}];\n`);
    }
  });
  after(() => {
    for (const p of plants) fs.rmSync(path.join(root, p.file), { force: true });
  });

  it('refuses every planted import that breaks a layer, each by its own rule', async () => {
    const violations = await cruise(plants.map((p) => p.file));
    for (const p of plants) {
      const found = new Set(violations.filter((v) => v.from === p.file).map((v) => v.rule.name));
      for (const rule of p.rules) assert.ok(found.has(rule), `${p.file} should break ${rule}; found: ${[...found].join(', ') || 'nothing'}`);
    }
  });

  it('finds nothing to refuse in the real tree', async () => {
    const violations = await cruise(['activities', 'adapters', 'api', 'db', 'domain', 'scripts', 'simulators', 'stack', 'workers', 'workflows', 'web/src']);
    const real = violations.filter((v) => !v.from.includes(tag));
    assert.deepEqual(real.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`), []);
  });
});

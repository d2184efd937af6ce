// The one-way layering of docs/architecture.md, checked by `npm run lint` (depcruise).
// The graph is the one that runs: `import type` is compiled away, so only value imports count.
// Layers, low to high: domain → db, adapters → activities, api → workflows, workers → stack → scripts.

/** Node built-ins that do no I/O and read no environment; the only ones domain/ may use. */
const PURE_BUILTINS = ['crypto', 'path'];
/** Libraries domain/ may use: pure computation, no I/O. */
const PURE_LIBRARIES = ['zod', 'franc', 'iso-639-3', 'ipaddr.js', '@node-rs/argon2'];
/** Where simulators may be wired into a running process: the local stack, and a standalone worker told to use them. */
const SIMULATOR_WIRING = '^(stack/|workers/main\\.ts$|scripts/|test/|simulators/)';

/** Every Node built-in, as depcruise names a resolved core module. */
const NODE_BUILTINS = `^(node:)?(${require('node:module').builtinModules.map((m) => m.replace(/[/.]/g, '\\$&')).join('|')})$`;

const below = (layer, allowed) => ({
  name: `${layer}-layer`,
  comment: `${layer}/ imports only from ${allowed.join(', ')} (nothing below imports from above).`,
  severity: 'error',
  from: { path: `^${layer}/` },
  to: { path: '^(domain|db|adapters|activities|api|workflows|workers|stack|scripts|simulators|test|web)/', pathNot: `^(${[layer, ...allowed].join('|')})/` },
});

module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: `domain/ does no I/O: of Node it uses only ${PURE_BUILTINS.join(', ')}.`,
      severity: 'error',
      from: { path: '^domain/' },
      to: { dependencyTypes: ['core'], pathNot: `^(node:)?(${PURE_BUILTINS.join('|')})$` },
    },
    {
      name: 'domain-libraries',
      comment: `domain/ uses only pure libraries: ${PURE_LIBRARIES.join(', ')}.`,
      severity: 'error',
      from: { path: '^domain/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], pathNot: `node_modules/(${PURE_LIBRARIES.map((l) => l.replace('.', '\\.')).join('|')})/` },
    },
    below('domain', ['catalog']),
    below('db', ['domain']),
    below('adapters', ['domain', 'db']),
    below('activities', ['domain', 'db', 'adapters']),
    {
      ...below('api', ['domain', 'db', 'adapters']),
      comment: 'api/ imports domain, db and adapters; of the workflows only their contract (workflows/definitions.ts).',
      to: { ...below('api', []).to, pathNot: '^(api|domain|db|adapters)/|^workflows/definitions\\.ts$' },
    },
    below('workers', ['domain', 'db', 'adapters', 'activities', 'workflows', 'simulators']),
    below('stack', ['domain', 'db', 'adapters', 'activities', 'api', 'workflows', 'workers', 'simulators']),
    below('simulators', ['domain', 'adapters']),
    {
      name: 'workflows-are-deterministic',
      comment: 'Workflow code takes no value from activities, adapters or db, and reaches no Node built-in through domain/.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^(activities|adapters|db|api|workers|stack|scripts|simulators|test)/' },
    },
    {
      name: 'workflows-reach-no-node',
      comment: 'Nothing a workflow imports, directly or not, is a Node built-in (the workflow sandbox has none).',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: NODE_BUILTINS, reachable: true },
    },
    {
      name: 'workflows-libraries',
      comment: 'Workflow code uses the Temporal workflow SDK and pure libraries only.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-no-pkg', 'npm-unknown'], pathNot: 'node_modules/(@temporalio/(workflow|common)|zod)/' },
    },
    {
      name: 'no-simulators-in-production',
      comment: 'Simulators replace Google in tests and the local stack only; production code never imports them.',
      severity: 'error',
      from: { pathNot: SIMULATOR_WIRING },
      to: { path: '^simulators/' },
    },
    {
      name: 'no-test-code-in-production',
      comment: 'Production code never imports test support.',
      severity: 'error',
      from: { pathNot: '^(test|scripts)/' },
      to: { path: '^test/' },
    },
    {
      name: 'web-stays-in-the-browser',
      comment: 'The page shares schemas and pure helpers with the server, never anything that reaches Node.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: NODE_BUILTINS, reachable: true },
    },
    {
      name: 'no-circular',
      comment: 'Modules do not import each other in a circle.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|web/dist|\\.bolt)/' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};

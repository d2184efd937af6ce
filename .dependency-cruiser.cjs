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

/** A rule: imports from `from` to `to` are errors; `comment` is what depcruise prints with them. */
const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to });

/** `layer`/ imports only from itself and `allowed` (and whatever `alsoAllowed`, a path pattern, names). */
const below = (layer, allowed, alsoAllowed, comment) =>
  forbid(
    `${layer}-layer`,
    comment ?? `${layer}/ imports only from ${allowed.join(', ')} (nothing below imports from above).`,
    { path: `^${layer}/` },
    { path: '^(domain|db|adapters|activities|api|workflows|workers|stack|scripts|simulators|test|web)/', pathNot: `^(${[layer, ...allowed].join('|')})/${alsoAllowed ? `|${alsoAllowed}` : ''}` },
  );

module.exports = {
  forbidden: [
    forbid('domain-is-pure', `domain/ does no I/O: of Node it uses only ${PURE_BUILTINS.join(', ')}.`, { path: '^domain/' }, { dependencyTypes: ['core'], pathNot: `^(node:)?(${PURE_BUILTINS.join('|')})$` }),
    forbid('domain-libraries', `domain/ uses only pure libraries: ${PURE_LIBRARIES.join(', ')}.`, { path: '^domain/' }, { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], pathNot: `node_modules/(${PURE_LIBRARIES.map((l) => l.replace('.', '\\.')).join('|')})/` }),
    below('domain', ['catalog']),
    below('db', ['domain']),
    below('adapters', ['domain', 'db']),
    below('activities', ['domain', 'db', 'adapters']),
    below('api', ['domain', 'db', 'adapters'], '^workflows/definitions\\.ts$', 'api/ imports domain, db and adapters; of the workflows only their contract (workflows/definitions.ts).'),
    below('workers', ['domain', 'db', 'adapters', 'activities', 'workflows', 'simulators']),
    below('stack', ['domain', 'db', 'adapters', 'activities', 'api', 'workflows', 'workers', 'simulators']),
    below('simulators', ['domain', 'adapters']),
    forbid('workflows-are-deterministic', 'Workflow code takes no value from activities, adapters or db, and reaches no Node built-in through domain/.', { path: '^workflows/' }, { path: '^(activities|adapters|db|api|workers|stack|scripts|simulators|test)/' }),
    forbid('workflows-reach-no-node', 'Nothing a workflow imports, directly or not, is a Node built-in (the workflow sandbox has none).', { path: '^workflows/' }, { path: NODE_BUILTINS, reachable: true }),
    forbid('workflows-libraries', 'Workflow code uses the Temporal workflow SDK and pure libraries only.', { path: '^workflows/' }, { dependencyTypes: ['npm', 'npm-dev', 'npm-no-pkg', 'npm-unknown'], pathNot: 'node_modules/(@temporalio/(workflow|common)|zod)/' }),
    forbid('no-simulators-in-production', 'Simulators replace Google in tests and the local stack only; production code never imports them.', { pathNot: SIMULATOR_WIRING }, { path: '^simulators/' }),
    forbid('no-test-code-in-production', 'Production code never imports test support.', { pathNot: '^(test|scripts)/' }, { path: '^test/' }),
    forbid('web-stays-in-the-browser', 'The page shares schemas and pure helpers with the server, never anything that reaches Node.', { path: '^web/' }, { path: NODE_BUILTINS, reachable: true }),
    forbid('no-circular', 'Modules do not import each other in a circle.', {}, { circular: true }),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|web/dist|\\.bolt)/' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6', 'cjs'],
  },
};

// Fault drills: `npm run drill -- <name> [options]` runs a batch, breaks something on purpose, and prints the
// jobs expected, completed, failed, lost, duplicated outputs and repeated paid calls. See BENCHMARKS.md.

/** Drill name → its module (loaded only when asked for). */
const DRILLS: Record<string, () => Promise<{ run(argv: string[]): Promise<void> }>> = {};

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || !Object.hasOwn(DRILLS, name)) {
    console.error(`drill: unknown drill ${name ? `"${name}"` : '(none)'}; drills: ${Object.keys(DRILLS).join(', ') || '(none yet)'}`);
    process.exit(2);
  }
  await (await DRILLS[name]!()).run(rest);
}

export {};

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

// Where a worker thread's module is and how the thread loads it: the compiled JavaScript beside the caller in a
// build (dist/…), else the TypeScript source, which the thread loads through tsx's require hook (development, tests).
import path from 'node:path';

/** The module `base` (no extension) in the directory of `callerFile` (the caller's `__filename`), and the thread's `execArgv`. */
export function threadModule(callerFile: string, base: string): { filename: string; execArgv: string[] } {
  const compiled = callerFile.endsWith('.js');
  const filename = path.join(path.dirname(callerFile), `${base}.${compiled ? 'js' : 'ts'}`);
  return { filename, execArgv: compiled ? process.execArgv : [...process.execArgv, '--require', require.resolve('tsx/cjs')] };
}

// Starts a TypeScript worker thread: registers tsx's loader in this thread, then imports the
// module named in workerData.tsModule. (A Worker given `execArgv: ['--import', 'tsx']` loads its
// entry file before the loader is in place on Node 20, and fails on the .ts extension.)
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

/** @type {unknown} bench/mixed.ts names the module to run, beside that module's own input. */
const data = workerData;
const tsModule = typeof data === 'object' && data !== null && 'tsModule' in data ? data.tsModule : undefined;
if (typeof tsModule !== 'string') throw new TypeError('ts-worker.mjs: workerData.tsModule must name the module to run');
register();
await import(tsModule);

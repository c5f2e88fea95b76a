// Starts a TypeScript worker thread: registers tsx's loader in this thread, then imports the
// module named in workerData.tsModule. (A Worker given `execArgv: ['--import', 'tsx']` loads its
// entry file before the loader is in place on Node 20, and fails on the .ts extension.)
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.tsModule);

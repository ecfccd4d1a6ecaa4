// Loads a TypeScript worker module through tsx. Worker threads on Node 20 do not take
// `--import` loaders from execArgv, so the worker registers tsx itself, then imports the
// entry named by the last argv item.
import { register } from 'tsx/esm/api';

register();
await import(process.argv[process.argv.length - 1]);

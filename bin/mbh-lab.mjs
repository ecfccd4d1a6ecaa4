#!/usr/bin/env node
// The mbh-lab command line. Runs the TypeScript sources through tsx so that the
// command works right after `npm install`, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

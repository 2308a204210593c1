#!/usr/bin/env node
// The `revive` command: runs the compiled CLI in dist/node/ (see scripts/build-node.js; in a checkout
// whose sources are newer than that build, it is rebuilt first).
import { ensureBuilt } from '../scripts/build-node.js';

// `revive help | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
});
const { main } = await import(await ensureBuilt('revive'));
process.exitCode = await main(process.argv.slice(2));

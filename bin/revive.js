#!/usr/bin/env node
// The `revive` command: runs the compiled CLI in dist/node/ (see scripts/build-node.js; in a checkout
// whose sources are newer than that build, it is rebuilt first).
import { ensureBuilt } from '../scripts/build-node.js';

// The process never ends without saying why: not by a stray rejection (no stack trace unless
// REVIVE_DEBUG is set), and not by running out of things to wait for before the command finished.
let finished = false;
const fatal = (error) => {
    finished = true;
    const detail = process.env.REVIVE_DEBUG && error instanceof Error ? error.stack : error instanceof Error ? error.message : String(error);
    process.stderr.write(`Error: revive stopped on an unexpected internal error: ${detail}\nWhat to do: check the phone's screen before you unplug it; save this output and report it.\n`);
    process.exit(1);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);
process.on('exit', (code) => {
    if (!finished) process.stderr.write(`Error: revive stopped before the command finished (status ${code}): nothing was left to wait for.\nWhat to do: check the phone's screen, then run the command again; report this if it repeats.\n`);
});

// `revive help | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') {
        finished = true;
        process.exit(process.exitCode ?? 0);
    }
    throw error;
});
const { main } = await import(await ensureBuilt('revive'));
process.exitCode = await main(process.argv.slice(2));
finished = true;

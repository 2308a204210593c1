#!/usr/bin/env node
// The `revive` command: runs the compiled CLI in dist/node/ (see scripts/build-node.js; in a checkout
// whose sources are newer than that build, it is rebuilt first).
import { ensureBuilt } from '../scripts/build-node.js';

// Node's modules without an ES import, whose facade would run every lazy getter they have (see
// builtinsWithoutFacade in scripts/build-node.js).
const { mkdirSync, statSync } = process.getBuiltinModule('node:fs');
const { enableCompileCache } = process.getBuiltinModule('node:module');
const { homedir } = process.getBuiltinModule('node:os');
const { dirname, join } = process.getBuiltinModule('node:path');

/**
 * mkdir -p one level at a time: Node's own recursive mkdir (and so enableCompileCache) loops
 * forever where mkdir says ENOENT under a parent that exists (/proc, /sys).
 */
function makeDirectory(dir) {
    // Usually it is there: one stat, no EEXIST error made and thrown on every start.
    if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return true;
    try {
        mkdirSync(dir);
        return true;
    } catch (error) {
        if (error.code === 'EEXIST') return statSync(dir).isDirectory();
        if (error.code !== 'ENOENT' || dirname(dir) === dir || !makeDirectory(dirname(dir))) return false;
    }
    try {
        mkdirSync(dir);
        return true;
    } catch (error) {
        return error.code === 'EEXIST';
    }
}

// V8's compiled code for Revive's modules is kept between runs (Node checks it against each file's
// contents): a command then starts without parsing and compiling its JavaScript again. A cache, so
// it lives in $REVIVE_HOME/cache when that is set (tests, a shop's own folder), else in
// $XDG_CACHE_HOME/revive or ~/.cache/revive; NODE_DISABLE_COMPILE_CACHE=1 turns it off. Without a
// folder it can write to, commands start as before.
try {
    const cacheHome = process.env.REVIVE_HOME ? join(process.env.REVIVE_HOME, 'cache') : join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'revive');
    const cacheDir = join(cacheHome, 'node-compile');
    if (makeDirectory(cacheDir)) enableCompileCache(cacheDir);
} catch {
    // No home, or a cache folder that is not one: no cache.
}

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

/**
 * The compiled `revive` (dist/node, scripts/build-node.js) parses the English locale only when a
 * sentence is worded: the words it prints must be the very ones the sources give.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../support/run-cli.js';

const REVIVE = fileURLToPath(new URL('../../../bin/revive.js', import.meta.url));
let dir = '';

beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'revive-bundle-wording-'));
});
afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
});

it('words an error in the compiled CLI exactly as the sources do', async () => {
    const args = ['pit', 'print', join(dir, 'missing.pit')];
    const inProcess = await runCli(args);
    const compiled = await promisify(execFile)(process.execPath, [REVIVE, ...args], { env: { ...process.env, REVIVE_HOME: join(dir, 'home') } }).then(
        () => ({ code: 0, err: '' }),
        (error: { code: number; stderr: string }) => ({ code: error.code, err: error.stderr }),
    );
    expect(inProcess.code).toBe(1);
    expect(inProcess.err).toContain('What to do: ');
    expect(inProcess.err).toContain('missing.pit');
    expect(compiled).toEqual({ code: 1, err: inProcess.err });
}, 60_000);

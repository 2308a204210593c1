/**
 * Uploads do not pile up (issue 13, L4): a count and a total size limit, removal when the page lets
 * go of a file, and nothing left in the temp folder when `npm start`'s bridge is closed by a signal
 * (SIGHUP: the terminal was closed).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { UploadStore } from '../../../electron/app/uploads.js';

const made: string[] = [];
afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const body = (bytes: number): Readable => Readable.from([Buffer.alloc(bytes, 1)]);

describe('uploads', () => {
    it('refuses more files, or more bytes in all, than the limits', async () => {
        const store = new UploadStore({ maxFiles: 2, maxTotalBytes: 1000 });
        try {
            await store.receive('a.zip', body(400));
            const second = await store.receive('b.zip', body(400));
            await expect(store.receive('c.zip', body(10))).rejects.toMatchObject({ code: 'upload-limit' });
            await store.release({ uploadId: second });
            await expect(store.receive('d.zip', body(700))).rejects.toMatchObject({ code: 'upload-limit' });
            await store.receive('e.zip', body(500));
        } finally {
            await store.close();
        }
    });

    it('removes a released upload from the disk', async () => {
        const store = new UploadStore();
        try {
            const id = await store.receive('rom.zip', body(100));
            const path = await store.path(id);
            expect(existsSync(path)).toBe(true);
            await store.release({ uploadId: id });
            expect(existsSync(path)).toBe(false);
            await expect(store.path(id)).rejects.toMatchObject({ code: 'upload-unknown' });
        } finally {
            await store.close();
        }
    });

    it('leaves nothing in the temp folder when the terminal is closed (SIGHUP)', async () => {
        const temp = mkdtempSync(join(tmpdir(), 'revive-uploads-tmp-'));
        const home = mkdtempSync(join(tmpdir(), 'revive-uploads-home-'));
        made.push(temp, home);
        const child = spawn(process.execPath, ['--import', 'tsx', new URL('../bridge/serve-host.ts', import.meta.url).pathname], {
            env: { ...process.env, TMPDIR: temp, REVIVE_HOME: home },
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        const url = await new Promise<URL>((resolve, reject) => {
            createInterface({ input: child.stdout }).on('line', (line) => {
                const match = /(http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(line);
                if (match?.[1]) resolve(new URL(match[1]));
            });
            child.once('exit', () => reject(new Error('the bridge exited before it printed its address')));
        });
        const token = url.hash.replace('#token=', '');
        const response = await fetch(`${url.origin}/upload?name=rom.zip`, { method: 'POST', body: 'zip bytes', headers: { 'x-revive-token': token, origin: url.origin } });
        expect(response.status).toBe(200);
        expect(readdirSync(temp).filter((name) => name.startsWith('revive-uploads-'))).toHaveLength(1);
        child.kill('SIGHUP');
        await exited;
        expect(readdirSync(temp).filter((name) => name.startsWith('revive-uploads-'))).toEqual([]);
    });
});

/**
 * The app's backend and bridge for backups-disk-full.test.ts, run by it inside a private mount
 * namespace (`unshare -rm`) whose backups folder is a small tmpfs: the computer's disk fills for
 * real, with no root and nothing else on the machine touched. Prints one JSON line (port, token,
 * the virtual phone's state folder); on a line "state" on stdin saves the phone's state and prints
 * its write counters with the backups folder's files; on "quit" closes.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createBackend } from '../../electron/app/backend.js';
import { startBridge } from '../../electron/bridge/server.js';

const home = process.argv[2];
const staticDir = process.argv[3];
if (!home || !staticDir) throw new Error('usage: full-disk-backend.mts HOME STATIC_DIR');
const backend = createBackend({ home, waitTimeoutMs: 30_000 });
const bridge = await startBridge({ backend, staticDir });
const started = await backend.call('startVirtualPhone', { codename: 'ks01ltexx' });
const phone = backend.virtualPhone;
if (!started.ok || !phone) throw new Error(`the virtual phone did not start: ${JSON.stringify(started)}`);
console.log(JSON.stringify({ port: bridge.port, token: bridge.token, stateDir: phone.stateDir }));
for await (const line of createInterface({ input: process.stdin })) {
    if (line === 'state') {
        await phone.saveState();
        // The backups folder as this namespace sees it (the tmpfs), which the test's own process cannot.
        console.log(JSON.stringify({ mode: phone.mode, writeCounts: phone.toStateFile().writeCounts, backups: readdirSync(join(home, 'backups')) }));
    } else if (line === 'quit') break;
}
await bridge.close();
await backend.close();

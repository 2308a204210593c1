/**
 * The set-up both adb benches share: a virtual phone on adb TCP, Debian's adb on a private server
 * port and HOME (so it never meets the user's adb server or keys), our key store, and one teardown.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AdbKeyStore } from '../native/adb/credentials.js';
import { VirtualPhone, type VirtualPhoneOptions } from '../native/virtual/phone.js';
import { startAdbTcpEndpoint } from '../native/virtual/tcp/adb-endpoint.js';
import { freePort } from '../test/support/free-port.js';

const exec = promisify(execFile);

export interface AdbRig {
    readonly dir: string;
    readonly phone: VirtualPhone;
    readonly port: number;
    /** host:port, as Debian's adb names the phone after `adb connect`. */
    readonly serial: string;
    readonly keyStore: AdbKeyStore;
    /** Debian's adb, on the rig's own server port. */
    adb(args: readonly string[]): Promise<unknown>;
    close(): Promise<void>;
}

/** Debian's adb on a private server port and HOME below `dir`, so it never meets the user's adb server or keys. */
export async function debianAdb(dir: string): Promise<{ env: NodeJS.ProcessEnv; adb(args: readonly string[]): Promise<unknown> }> {
    await mkdir(join(dir, 'home'), { recursive: true });
    const serverPort = await freePort();
    const env = { ...process.env, HOME: join(dir, 'home') };
    return { env, adb: (args) => exec('adb', ['-P', String(serverPort), ...args], { env, maxBuffer: 16 * 1024 * 1024 }) };
}

export async function startAdbRig(name: string, mode: VirtualPhoneOptions['mode']): Promise<AdbRig> {
    const dir = await mkdtemp(join(tmpdir(), `revive-bench-${name}-`));
    const { adb } = await debianAdb(dir);
    const phone = await VirtualPhone.create({ codename: 'ks01ltexx', mode, owner: 'accept', stateDir: join(dir, 'phone') });
    const endpoint = await startAdbTcpEndpoint(phone, 0);
    return {
        dir,
        phone,
        port: endpoint.port,
        serial: `127.0.0.1:${endpoint.port}`,
        keyStore: new AdbKeyStore({ appDir: join(dir, 'app'), userAdbDir: null }),
        adb,
        async close() {
            await adb(['kill-server']).catch(() => undefined);
            await endpoint.close();
            await phone.close();
            await rm(dir, { recursive: true, force: true });
        },
    };
}

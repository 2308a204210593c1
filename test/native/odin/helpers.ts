/** Shared set-up for Odin tests: a virtual phone in download mode and a transport onto its USB face. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualPhone } from '../../../native/virtual/phone.js';
import { WebUsbTransport } from '../../../native/usb/webusb-transport.js';

export interface Bench {
    readonly dir: string;
    readonly phones: VirtualPhone[];
    readonly transports: WebUsbTransport[];
}

export function createBench(): Bench {
    return { dir: mkdtempSync(join(tmpdir(), 'revive-odin-')), phones: [], transports: [] };
}

export async function cleanup(bench: Bench): Promise<void> {
    for (const transport of bench.transports.splice(0)) await transport.close().catch(() => undefined);
    for (const phone of bench.phones.splice(0)) await phone.close();
    rmSync(bench.dir, { recursive: true, force: true });
}

export async function downloadPhone(bench: Bench, codename = 'gtaxllte', extra: Record<string, unknown> = {}): Promise<VirtualPhone> {
    const phone = await VirtualPhone.create({ codename, mode: 'download', stateDir: mkdtempSync(join(bench.dir, 'phone-')), enumerationDelayMs: 10 });
    Object.assign(phone.state.extra, extra);
    bench.phones.push(phone);
    return phone;
}

export async function connect(bench: Bench, phone: VirtualPhone): Promise<WebUsbTransport> {
    const device = await phone.waitForDevice({ mode: 'download', timeoutMs: 5000 });
    const transport = await WebUsbTransport.open(device, 'samsung-download');
    bench.transports.push(transport);
    return transport;
}

export function imageFile(bench: Bench, name: string, size: number): { path: string; bytes: Buffer } {
    const bytes = randomBytes(size);
    const path = join(bench.dir, name);
    writeFileSync(path, bytes);
    return { path, bytes };
}

export const MiB = 1024 * 1024;

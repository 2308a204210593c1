/** TWRP's /tmp/recovery.log on the virtual phone: every recovery action appends to it. */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ServiceContext } from './adbd-service.js';

export const RECOVERY_LOG = '/tmp/recovery.log';

export async function appendRecoveryLog(context: ServiceContext, lines: readonly string[]): Promise<void> {
    const path = context.fs.hostPath(RECOVERY_LOG);
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, lines.map((line) => `${line}\n`).join(''));
    for (const line of lines) context.phone.log(`twrp: ${line}`);
}

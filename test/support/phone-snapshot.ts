/**
 * A virtual phone's content from its state folder, for tests that compare a phone before and after
 * (a backup, an upgrade, a restore): every partition and file by SHA-256, its fingerprint and write
 * counters. TWRP's log and backup folder are recovery's working files, not the phone's content.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface PhoneSnapshot {
    partitions: Record<string, string>;
    files: Record<string, string>;
    fingerprint: string;
    androidVersion: string;
    writeCounts: Record<string, number>;
}

const sha = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

function walk(root: string, skip: (rel: string) => boolean): Record<string, string> {
    const out: Record<string, string> = {};
    const visit = (d: string): void => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
            const p = join(d, e.name);
            const rel = relative(root, p);
            if (skip(rel)) continue;
            if (e.isDirectory()) visit(p);
            else out[rel] = sha(readFileSync(p));
        }
    };
    visit(root);
    return out;
}

export function phoneSnapshot(stateDir: string): PhoneSnapshot {
    const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as { buildFingerprint: string; androidVersion: string; writeCounts: Record<string, number> };
    return {
        partitions: walk(join(stateDir, 'partitions'), () => false),
        files: walk(join(stateDir, 'fs'), (rel) => rel === 'data/media/TWRP' || rel === 'cache/recovery' || rel === 'tmp'),
        fingerprint: state.buildFingerprint,
        androidVersion: state.androidVersion,
        writeCounts: { ...state.writeCounts },
    };
}

/**
 * zlib's CRC-32 (the sparse format's checksum), with node:zlib loaded at the first checksum: loading
 * it cost every command that merely imports the sparse code (a raw flash, `revive help` aside) about
 * 2 ms of CPU at start, and most never check a CRC.
 */
import type * as zlib from 'node:zlib';

let loaded: typeof zlib | undefined;

export function crc32(data: Uint8Array, value?: number): number {
    loaded ??= process.getBuiltinModule('node:zlib');
    return loaded.crc32(data, value);
}

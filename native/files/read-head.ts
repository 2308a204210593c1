/** The first bytes of a file, to tell its format by its magic without reading the rest. */
import { open } from 'node:fs/promises';

/** Up to `length` bytes from the start (fewer when the file is shorter). */
export async function readHead(path: string, length: number): Promise<Uint8Array> {
    const handle = await open(path, 'r');
    try {
        const head = new Uint8Array(length);
        const { bytesRead } = await handle.read(head, 0, length, 0);
        return head.subarray(0, bytesRead);
    } finally {
        await handle.close();
    }
}

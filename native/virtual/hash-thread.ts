/**
 * SHA-256 of a byte stream on a thread of its own. On a phone, `sha256sum` is a process of its
 * own, on another core than adbd; in the virtual phone it would take turns with adbd on one thread,
 * so a file hashed as it arrives (native/adb/phone-hash.ts) would slow its own transfer down.
 */
import { Worker } from 'node:worker_threads';

const SOURCE = `
const { parentPort } = require('node:worker_threads');
const hash = require('node:crypto').createHash('sha256');
parentPort.on('message', (chunk) => {
    if (chunk === null) parentPort.postMessage({ digest: hash.digest('hex') });
    else {
        hash.update(new Uint8Array(chunk));
        parentPort.postMessage({ taken: true });
    }
});
`;

/** Chunks handed over and not yet hashed: bounds the memory a fast reader can queue. */
const IN_FLIGHT = 4;

export async function sha256OnThread(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<string> {
    const worker = new Worker(SOURCE, { eval: true });
    let inFlight = 0;
    let wake: (() => void) | undefined;
    let settle: { resolve: (digest: string) => void; reject: (error: Error) => void } | undefined;
    const digest = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
    digest.catch(() => undefined);
    worker.on('message', (message: { taken?: boolean; digest?: string }) => {
        if (message.digest !== undefined) settle?.resolve(message.digest);
        else {
            inFlight--;
            wake?.();
        }
    });
    worker.once('error', (error) => settle?.reject(error));
    worker.once('exit', (code) => settle?.reject(new Error(`the hash thread ended (${code})`)));
    try {
        for await (const chunk of input) {
            // A whole buffer of its own is moved to the thread; anything else (a view into a larger or shared one) is copied first —
            // by the constructor, since a Node Buffer's slice() is a view, not a copy.
            const whole = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength && chunk.buffer instanceof ArrayBuffer;
            const owned = whole ? (chunk.buffer as ArrayBuffer) : new Uint8Array(chunk).buffer;
            while (inFlight >= IN_FLIGHT) await new Promise<void>((resolve) => (wake = resolve));
            inFlight++;
            worker.postMessage(owned, [owned]);
        }
        worker.postMessage(null);
        return await digest;
    } finally {
        void worker.terminate();
    }
}

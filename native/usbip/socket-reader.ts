/** Exact-length reads from a TCP socket: USB/IP packets are fixed headers plus known payloads. */
import type { Socket } from 'node:net';

export class SocketClosedError extends Error {
    override readonly name = 'SocketClosedError';
}

export class SocketReader {
    readonly #chunks: Buffer[] = [];
    #buffered = 0;
    #ended = false;
    #waiter: (() => void) | undefined;

    constructor(socket: Socket) {
        socket.on('data', (chunk: Buffer) => {
            this.#chunks.push(chunk);
            this.#buffered += chunk.length;
            this.#wake();
        });
        const end = (): void => {
            this.#ended = true;
            this.#wake();
        };
        socket.on('end', end);
        socket.on('close', end);
        socket.on('error', end);
    }

    #wake(): void {
        const waiter = this.#waiter;
        this.#waiter = undefined;
        waiter?.();
    }

    /** Exactly n bytes; rejects with SocketClosedError if the connection ends first. */
    async read(n: number): Promise<Buffer> {
        while (this.#buffered < n) {
            if (this.#ended) throw new SocketClosedError('The USB/IP connection was closed.');
            await new Promise<void>((resolve) => (this.#waiter = resolve));
        }
        const all = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks);
        this.#chunks.length = 0;
        const out = all.subarray(0, n);
        const rest = all.subarray(n);
        if (rest.length > 0) this.#chunks.push(rest);
        this.#buffered = rest.length;
        return out;
    }
}

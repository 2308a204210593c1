/**
 * One adb stream on the device side: classic flow control (the device acks every host WRTE once a
 * service has taken the data, and waits for the host's OKAY before its own next WRTE).
 */

export class StreamClosedError extends Error {
    override readonly name = 'StreamClosedError';
}

export interface AdbdStreamSink {
    sendWrite(localId: number, remoteId: number, data: Uint8Array): void;
    sendOkay(localId: number, remoteId: number): void;
    sendClose(localId: number, remoteId: number): void;
    readonly maxPayload: number;
}

export class AdbdStream {
    readonly localId: number;
    readonly remoteId: number;
    readonly service: string;
    readonly #sink: AdbdStreamSink;
    /** The host's WRTE payloads, as the pieces they came in; `last` ends one (its OKAY goes then). */
    readonly #incoming: Array<{ readonly data: Uint8Array; readonly last: boolean }> = [];
    #leftover: Uint8Array | undefined;
    #readWaiter: (() => void) | undefined;
    #okayWaiter: { resolve: () => void; reject: (e: Error) => void } | undefined;
    #canWrite = true;
    #hostClosed = false;
    #closed = false;

    constructor(localId: number, remoteId: number, service: string, sink: AdbdStreamSink) {
        this.localId = localId;
        this.remoteId = remoteId;
        this.service = service;
        this.#sink = sink;
    }

    /** The largest WRTE payload this connection allows (services size their writes by it). */
    get maxPayloadHint(): number {
        return this.#sink.maxPayload;
    }

    get closed(): boolean {
        return this.#closed || this.#hostClosed;
    }

    /** Host WRTE arrived, its payload in the pieces it came in. */
    pushFromHost(pieces: readonly Uint8Array[]): void {
        if (this.closed) return;
        // An empty WRTE is still acknowledged once a service reads it.
        if (pieces.length === 0) this.#incoming.push({ data: new Uint8Array(0), last: true });
        pieces.forEach((data, i) => this.#incoming.push({ data, last: i === pieces.length - 1 }));
        this.#readWaiter?.();
    }

    /** Bytes the host wrote that a read would return without waiting. */
    get hasUnread(): boolean {
        return this.#leftover !== undefined || this.#incoming.length > 0;
    }

    /** Host OKAY arrived: the next WRTE may go. */
    okayFromHost(): void {
        this.#canWrite = true;
        const waiter = this.#okayWaiter;
        this.#okayWaiter = undefined;
        waiter?.resolve();
    }

    /** Host CLSE arrived, or the connection went away. */
    hostClosed(): void {
        this.#hostClosed = true;
        this.#readWaiter?.();
        const waiter = this.#okayWaiter;
        this.#okayWaiter = undefined;
        waiter?.reject(new StreamClosedError(`stream ${this.service} closed by the host`));
    }

    /** The next piece of what the host wrote, or undefined once it closed. */
    async read(): Promise<Uint8Array | undefined> {
        if (this.#leftover) {
            const chunk = this.#leftover;
            this.#leftover = undefined;
            return chunk;
        }
        for (;;) {
            const next = this.#incoming.shift();
            if (next) {
                // Ack only once a service took the whole WRTE: a slow consumer slows the host down.
                if (next.last && !this.closed) this.#sink.sendOkay(this.localId, this.remoteId);
                return next.data;
            }
            if (this.closed) return undefined;
            await new Promise<void>((resolve) => (this.#readWaiter = resolve));
            this.#readWaiter = undefined;
        }
    }

    /** Bytes a service read past what it needed: the next read returns them first. */
    unread(data: Uint8Array): void {
        if (data.length === 0) return;
        if (this.#leftover) throw new Error('unread twice without a read between');
        this.#leftover = data;
    }

    /** Exactly n bytes, or a StreamClosedError when the host closes first. */
    async readExactly(n: number): Promise<Uint8Array> {
        const first = await this.read();
        if (!first) throw new StreamClosedError(`stream ${this.service} closed while reading`);
        if (first.length >= n) {
            if (first.length > n) this.#leftover = first.subarray(n);
            return first.subarray(0, n);
        }
        const out = new Uint8Array(n);
        out.set(first, 0);
        let filled = first.length;
        while (filled < n) {
            const chunk = await this.read();
            if (!chunk) throw new StreamClosedError(`stream ${this.service} closed while reading`);
            const take = Math.min(chunk.length, n - filled);
            out.set(chunk.subarray(0, take), filled);
            filled += take;
            if (take < chunk.length) this.#leftover = chunk.subarray(take);
        }
        return out;
    }

    async write(data: Uint8Array): Promise<void> {
        const max = this.#sink.maxPayload;
        for (let offset = 0; offset < data.length || (offset === 0 && data.length === 0); offset += max) {
            if (data.length === 0) return;
            if (this.closed) throw new StreamClosedError(`stream ${this.service} is closed`);
            if (!this.#canWrite) {
                await new Promise<void>((resolve, reject) => (this.#okayWaiter = { resolve, reject }));
            }
            this.#canWrite = false;
            this.#sink.sendWrite(this.localId, this.remoteId, data.subarray(offset, Math.min(data.length, offset + max)));
        }
    }

    /** Wait until the host acknowledged everything written so far. */
    async flush(): Promise<void> {
        if (this.#canWrite || this.closed) return;
        await new Promise<void>((resolve, reject) => (this.#okayWaiter = { resolve, reject })).catch(() => undefined);
    }

    close(): void {
        if (this.#closed) return;
        this.#closed = true;
        if (!this.#hostClosed) this.#sink.sendClose(this.localId, this.remoteId);
        this.#readWaiter?.();
    }
}

/** Exact-length reads over a stream of chunks (LZ4 frames, tar headers), without gathering the whole stream. */
export class ByteReader {
    readonly #iterator: AsyncIterator<Uint8Array>;
    #pending: Uint8Array = new Uint8Array(0);
    #done = false;
    /** Bytes handed out so far. */
    position = 0;

    constructor(source: AsyncIterable<Uint8Array>) {
        this.#iterator = source[Symbol.asyncIterator]();
    }

    async #fill(): Promise<boolean> {
        while (this.#pending.length === 0 && !this.#done) {
            const next = await this.#iterator.next();
            if (next.done) this.#done = true;
            else this.#pending = next.value;
        }
        return this.#pending.length > 0;
    }

    /** True when the stream has no more bytes. */
    async atEnd(): Promise<boolean> {
        return !(await this.#fill());
    }

    /** Exactly `length` bytes, or undefined when the stream ends first (after consuming what was left). */
    async read(length: number): Promise<Uint8Array | undefined> {
        if (length === 0) return new Uint8Array(0);
        if (!(await this.#fill())) return undefined;
        if (this.#pending.length >= length) {
            const out = this.#pending.subarray(0, length);
            this.#pending = this.#pending.subarray(length);
            this.position += length;
            return out;
        }
        const out = new Uint8Array(length);
        let got = 0;
        while (got < length) {
            if (!(await this.#fill())) return undefined;
            const take = Math.min(length - got, this.#pending.length);
            out.set(this.#pending.subarray(0, take), got);
            this.#pending = this.#pending.subarray(take);
            got += take;
            this.position += take;
        }
        return out;
    }

    async close(): Promise<void> {
        await this.#iterator.return?.();
    }
}

/**
 * Exact-length reads over a stream of chunks of any size (LZ4 frames, tar headers, sparse chunks),
 * without gathering the whole stream: at most one incoming chunk is held at a time.
 */
export class ByteReader {
    readonly #iterator: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
    #pending: Uint8Array = new Uint8Array(0);
    #done = false;
    /** Bytes handed out so far. */
    position = 0;

    constructor(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
        this.#iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
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

    /** Up to `length` bytes in the pieces they arrive in (at least one unless the stream ended). */
    async upTo(length: number): Promise<Uint8Array | undefined> {
        if (!(await this.#fill())) return undefined;
        const out = this.#pending.subarray(0, length);
        this.#pending = this.#pending.subarray(out.length);
        this.position += out.length;
        return out;
    }

    /** Passes over `length` bytes; false when the stream ends first. */
    async skip(length: number): Promise<boolean> {
        let left = length;
        while (left > 0) {
            const got = await this.upTo(left);
            if (!got) return false;
            left -= got.length;
        }
        return true;
    }

    async close(): Promise<void> {
        await this.#iterator.return?.();
    }
}

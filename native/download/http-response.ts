/**
 * An HTTP/1.1 response as bytes arrive (RFC 9112): the status line and header fields, then the
 * body framed by `Transfer-Encoding: chunked`, `Content-Length`, or the end of the connection.
 * Body bytes go to the reader's callback as slices of what arrived, never copied here: a 1 GiB
 * download through node:http cost about a second of CPU more than the bytes' own hashing and
 * writing (its streams, one Buffer and one event per packet), which is what this avoids.
 */

export interface ResponseHead {
    readonly status: number;
    /** Header fields by lower-case name; repeated fields joined with ", " as RFC 9110 allows. */
    readonly headers: Readonly<Record<string, string>>;
}

/** The server broke the protocol (not a dropped connection): no use asking it again. */
export class HttpProtocolError extends Error {
    override readonly name = 'HttpProtocolError';
}

const MAX_HEAD_BYTES = 64 * 1024;
const CRLF_CRLF = Buffer.from('\r\n\r\n');

type Framing = { kind: 'length'; left: number } | { kind: 'chunked'; left: number; state: 'size' | 'data' | 'data-end' | 'trailer' } | { kind: 'close' } | { kind: 'none' };

/**
 * Feed it the connection's bytes with `push`; `onHead` is called once with the final (non-1xx)
 * head, `onBody` with each slice of the body, `onEnd` when the body is complete. `closed()` says
 * the connection ended, which completes a body read to the end and is an error anywhere else.
 */
export class ResponseParser {
    #pending: Buffer | undefined;
    #framing: Framing | undefined;
    #line = '';
    #done = false;

    constructor(
        private readonly handlers: {
            readonly onHead: (head: ResponseHead) => void;
            readonly onBody: (chunk: Uint8Array) => void;
            readonly onEnd: () => void;
        },
        /** The request was HEAD, or asked for no body: a head alone completes it. */
        private readonly noBody = false,
    ) {}

    get done(): boolean {
        return this.#done;
    }

    /**
     * Returns how many of `data`'s bytes belong to this response: fewer than all once it is complete
     * (the rest, e.g. after a CONNECT's answer, is the tunnel's).
     */
    push(data: Uint8Array): number {
        let at = 0;
        while (at < data.length && !this.#done) {
            at = this.#framing ? this.#body(data, at) : this.#readHead(data, at);
        }
        return at;
    }

    /** The connection ended. Returns false when the response was cut short. */
    closed(): boolean {
        if (this.#done) return true;
        if (this.#framing?.kind === 'close') {
            this.#finish();
            return true;
        }
        return false;
    }

    #finish(): void {
        this.#done = true;
        this.handlers.onEnd();
    }

    #readHead(data: Uint8Array, at: number): number {
        const piece = Buffer.from(data.buffer, data.byteOffset + at, data.length - at);
        const before = this.#pending?.length ?? 0;
        const joined = this.#pending ? Buffer.concat([this.#pending, piece]) : piece;
        // Searched from just before the new bytes: the blank line may span two packets.
        const end = joined.indexOf(CRLF_CRLF, Math.max(0, before - 3));
        if (end < 0) {
            if (joined.length > MAX_HEAD_BYTES) throw new HttpProtocolError(`the response head is longer than ${MAX_HEAD_BYTES} bytes`);
            // A copy: the connection reuses its read buffer.
            this.#pending = Buffer.from(joined);
            return data.length;
        }
        this.#pending = undefined;
        const consumed = end + 4 - before;
        const head = parseHead(joined.subarray(0, end).toString('latin1'));
        // 1xx (100 Continue, 103 Early Hints) come before the real answer.
        if (head.status >= 100 && head.status < 200) return at + consumed;
        // Framed before the head is handed on: a head whose body cannot be read is refused whole.
        this.#framing = framing(head, this.noBody);
        this.handlers.onHead(head);
        if (this.#framing.kind === 'none' || (this.#framing.kind === 'length' && this.#framing.left === 0)) this.#finish();
        return at + consumed;
    }

    #body(data: Uint8Array, at: number): number {
        const framing = this.#framing as Framing;
        switch (framing.kind) {
            case 'close':
                this.handlers.onBody(data.subarray(at));
                return data.length;
            case 'length': {
                const take = Math.min(framing.left, data.length - at);
                this.handlers.onBody(data.subarray(at, at + take));
                framing.left -= take;
                if (framing.left === 0) this.#finish();
                return at + take;
            }
            case 'chunked':
                return this.#chunked(framing, data, at);
            default:
                return data.length;
        }
    }

    #chunked(framing: Extract<Framing, { kind: 'chunked' }>, data: Uint8Array, at: number): number {
        if (framing.state === 'data') {
            const take = Math.min(framing.left, data.length - at);
            this.handlers.onBody(data.subarray(at, at + take));
            framing.left -= take;
            if (framing.left === 0) framing.state = 'data-end';
            return at + take;
        }
        // Line-based parts: a chunk's size line, the CRLF after its data, the trailer fields.
        const newline = data.indexOf(0x0a, at);
        const end = newline < 0 ? data.length : newline + 1;
        this.#line += Buffer.from(data.buffer, data.byteOffset + at, end - at).toString('latin1');
        if (this.#line.length > 4096) throw new HttpProtocolError('a chunk line is too long');
        if (newline < 0) return end;
        const line = this.#line.replace(/\r?\n$/, '');
        this.#line = '';
        if (framing.state === 'data-end') {
            if (line !== '') throw new HttpProtocolError('a chunk is longer than its size says');
            framing.state = 'size';
        } else if (framing.state === 'size') {
            const size = /^([0-9a-fA-F]{1,12})(;.*)?$/.exec(line.trim());
            if (!size?.[1]) throw new HttpProtocolError(`"${line.slice(0, 40)}" is not a chunk size`);
            framing.left = Number.parseInt(size[1], 16);
            framing.state = framing.left === 0 ? 'trailer' : 'data';
        } else if (line === '') {
            this.#finish();
        }
        return end;
    }
}

function parseHead(text: string): ResponseHead {
    const [statusLine = '', ...lines] = text.split('\r\n');
    const status = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine);
    if (!status?.[1]) throw new HttpProtocolError(`"${statusLine.slice(0, 60)}" is not an HTTP/1.1 status line`);
    const headers: Record<string, string> = {};
    for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon <= 0 || /\s/.test(line.slice(0, colon))) throw new HttpProtocolError(`"${line.slice(0, 60)}" is not a header field`);
        const name = line.slice(0, colon).toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    return { status: Number(status[1]), headers };
}

function framing(head: ResponseHead, noBody: boolean): Framing {
    if (noBody || head.status === 204 || head.status === 304) return { kind: 'none' };
    const coding = head.headers['transfer-encoding'];
    if (coding !== undefined) {
        // chunked must be the last coding; anything else under it (gzip) was not asked for.
        if (coding.toLowerCase().split(',').map((c) => c.trim()).join(',') !== 'chunked') throw new HttpProtocolError(`the server sent the body as "${coding}", which Revive did not ask for`);
        return { kind: 'chunked', left: 0, state: 'size' };
    }
    const length = head.headers['content-length'];
    if (length !== undefined) {
        if (!/^\d{1,15}$/.test(length)) throw new HttpProtocolError(`"${length}" is not a body length`);
        return { kind: 'length', left: Number(length) };
    }
    return { kind: 'close' };
}

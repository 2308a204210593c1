/**
 * An adb transport whose streams must open in bounded time. A phone that accepted the connection
 * but never answers a command's OPEN (a frozen adbd, a hostile device, a second program reading
 * the same pipe) would hold every shell, push and pull forever; here an open that gets no answer
 * ends the connection with a message instead. Everything else is @yume-chan/adb's transport.
 */
import type { AdbIncomingSocketHandler, AdbSocket, AdbTransport } from '@yume-chan/adb';
import { ReviveError } from '../jobs/errors.js';

/** How long the phone has to accept a command or transfer before the connection is given up (REVIVE_ADB_OPEN_MS sets another, native/jobs/silence-bounds.ts). */
export const DEFAULT_OPEN_TIMEOUT_MS = 30_000;

export class BoundedAdbTransport implements AdbTransport {
    readonly #inner: AdbTransport;
    readonly #openTimeoutMs: number;
    readonly #hangUp: () => void;

    constructor(inner: AdbTransport, openTimeoutMs: number, hangUp: () => void) {
        this.#inner = inner;
        this.#openTimeoutMs = openTimeoutMs;
        this.#hangUp = hangUp;
    }

    get serial(): string {
        return this.#inner.serial;
    }
    get maxPayloadSize(): number {
        return this.#inner.maxPayloadSize;
    }
    get banner(): AdbTransport['banner'] {
        return this.#inner.banner;
    }
    get disconnected(): Promise<void> {
        return this.#inner.disconnected;
    }
    get clientFeatures(): AdbTransport['clientFeatures'] {
        return this.#inner.clientFeatures;
    }

    async connect(service: string): Promise<AdbSocket> {
        let timer: NodeJS.Timeout | undefined;
        const expired = new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
                // The phone's late answer would open a stream nobody reads: the connection is over.
                this.#hangUp();
                reject(ReviveError.of('adb-no-answer', { variant: 'open', service: service.split(':')[0] ?? service, seconds: Math.round(this.#openTimeoutMs / 1000) }));
            }, this.#openTimeoutMs);
        });
        try {
            return await Promise.race([Promise.resolve(this.#inner.connect(service)), expired]);
        } finally {
            clearTimeout(timer);
        }
    }

    addReverseTunnel(handler: AdbIncomingSocketHandler, address?: string): ReturnType<AdbTransport['addReverseTunnel']> {
        return this.#inner.addReverseTunnel(handler, address);
    }
    removeReverseTunnel(address: string): ReturnType<AdbTransport['removeReverseTunnel']> {
        return this.#inner.removeReverseTunnel(address);
    }
    clearReverseTunnels(): ReturnType<AdbTransport['clearReverseTunnels']> {
        return this.#inner.clearReverseTunnels();
    }
    close(): ReturnType<AdbTransport['close']> {
        return this.#inner.close();
    }
}

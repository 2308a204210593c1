/**
 * A bad cable for tests: the virtual phone's own adbd, with a byte flipped wherever a marker
 * passes over the USB pipe in one direction. adb (protocol 0x01000001) carries no checksum, so
 * only an end-to-end digest notices, which is what the tests using this check.
 */
import { adbdProtocol } from '../../../native/virtual/adbd.js';
import type { ModeProtocol } from '../../../native/virtual/mode-protocol.js';
import type { DevicePipe } from '../../../native/virtual/pipe.js';

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
    outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
        for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
        return i;
    }
    return -1;
}

function corrupt(data: Uint8Array, marker: Uint8Array, onHit: () => void): Uint8Array {
    const at = indexOf(data, marker);
    if (at < 0) return data;
    const copy = data.slice();
    copy[at] = (copy[at] ?? 0) ^ 0x20;
    onHit();
    return copy;
}

export interface CorruptingAdbd {
    readonly protocol: ModeProtocol;
    /** How many transfers were damaged so far. */
    readonly hits: number;
}

export function corruptingAdbd(marker: string, direction: 'to-phone' | 'to-computer'): CorruptingAdbd {
    const bytes = new TextEncoder().encode(marker);
    let hits = 0;
    const hit = (): void => {
        hits++;
    };
    return {
        get hits() {
            return hits;
        },
        protocol: {
            serve(pipe, phone, signal) {
                const damaged: DevicePipe = {
                    receive: async (s) => {
                        const data = await pipe.receive(s);
                        return direction === 'to-phone' ? corrupt(data, bytes, hit) : data;
                    },
                    send: (data) => pipe.send(direction === 'to-computer' ? corrupt(data, bytes, hit) : data),
                    get closed() {
                        return pipe.closed;
                    },
                    get isClosed() {
                        return pipe.isClosed;
                    },
                };
                return adbdProtocol.serve(damaged, phone, signal);
            },
        },
    };
}

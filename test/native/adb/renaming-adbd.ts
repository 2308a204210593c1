/**
 * A lying phone for tests: the virtual phone's own adbd, with every occurrence of one name replaced
 * by another of the same length on its way to the computer (directory listings, shell output), so
 * the computer is told of files like `../escape.txt` that no real filesystem can hold.
 */
import { adbdProtocol } from '../../../native/virtual/adbd.js';
import type { ModeProtocol } from '../../../native/virtual/mode-protocol.js';
import type { DevicePipe } from '../../../native/virtual/pipe.js';

function replaceAll(data: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
    let copy: Uint8Array | undefined;
    outer: for (let i = 0; i + from.length <= data.length; i++) {
        for (let j = 0; j < from.length; j++) if (data[i + j] !== from[j]) continue outer;
        copy ??= data.slice();
        copy.set(to, i);
    }
    return copy ?? data;
}

export function renamingAdbd(from: string, to: string): ModeProtocol {
    const fromBytes = new TextEncoder().encode(from);
    const toBytes = new TextEncoder().encode(to);
    if (fromBytes.length !== toBytes.length) throw new Error('renamingAdbd keeps packet sizes: both names need the same length');
    return {
        serve(pipe, phone, signal) {
            const lying: DevicePipe = {
                receive: (s) => pipe.receive(s),
                send: (data) => pipe.send(replaceAll(data, fromBytes, toBytes)),
                get closed() {
                    return pipe.closed;
                },
                get isClosed() {
                    return pipe.isClosed;
                },
            };
            return adbdProtocol.serve(lying, phone, signal);
        },
    };
}

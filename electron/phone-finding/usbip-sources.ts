/**
 * The USB/IP servers the app (and `revive devices --usbip`) watches besides local USB:
 * `REVIVE_USBIP=HOST:PORT[,HOST:PORT…]`, and `npm start -- --usbip HOST:PORT` (bin/start.js). Each
 * address is read as the phone words `usbip:HOST:PORT` by native/devices/ref.ts, like every other
 * way to name a phone; a malformed one throws its ReviveError (`device-ref-invalid`) with the right form.
 */
import { describeDeviceRef, parseDeviceRef } from '../../native/devices/ref.js';
import { ReviveError } from '../../native/jobs/errors.js';

/** `HOST:PORT` (or `usbip:HOST:PORT`) → the server's `HOST:PORT`, without repeats. */
export function usbipSources(addresses: readonly string[]): string[] {
    const servers = addresses.map((address) => {
        const words = address.trim().startsWith('usbip:') ? address.trim() : `usbip:${address.trim()}`;
        const ref = parseDeviceRef(words);
        if (ref.kind !== 'usbip' || ref.busid !== undefined) {
            throw ReviveError.of('device-ref-invalid', { variant: 'host-port', text: address, scheme: 'usbip', example: '127.0.0.1:3240' });
        }
        return describeDeviceRef(ref).slice('usbip:'.length);
    });
    return [...new Set(servers)];
}

export function usbipSourcesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
    return usbipSources((env['REVIVE_USBIP'] ?? '').split(',').filter((s) => s.trim().length > 0));
}

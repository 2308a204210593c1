/**
 * A UsbTransport straight onto a pipe pair's host end: the shortest path from host protocol code to
 * a protocol emulation, used by unit tests of one protocol. The app and integration tests go through
 * the virtual phone's WebUSB face instead, with the same ZLP semantics as here.
 */
import type { HostPipeEnd } from './pipe.js';
import { UsbError, type IoOptions, type UsbDeviceInfo, type UsbTransport, type WriteOptions } from '../usb/transport.js';

export function pipeTransport(host: HostPipeEnd, info: UsbDeviceInfo, packetSize = 512): UsbTransport {
    let closed = false;
    const withTimeout = async <T>(work: (signal: AbortSignal) => Promise<T>, options?: IoOptions): Promise<T> => {
        const controller = new AbortController();
        const timer = options?.timeoutMs === undefined ? undefined : setTimeout(() => controller.abort(), options.timeoutMs);
        const onAbort = (): void => controller.abort();
        options?.signal?.addEventListener('abort', onAbort, { once: true });
        try {
            return await work(controller.signal);
        } catch (error) {
            if (options?.signal?.aborted) throw new UsbError('aborted', 'The transfer was cancelled.', { cause: options.signal.reason });
            if (controller.signal.aborted) throw new UsbError('timeout', `The device did not answer within ${options?.timeoutMs} ms.`);
            throw error;
        } finally {
            clearTimeout(timer);
            options?.signal?.removeEventListener('abort', onAbort);
        }
    };
    return {
        info,
        packetSize: { in: packetSize, out: packetSize },
        async write(data: Uint8Array, options?: WriteOptions) {
            if (closed) throw new UsbError('disconnected', 'The transport is closed.');
            options?.signal?.throwIfAborted();
            // A copy, as the USB face makes: the caller may reuse its buffer once the write is done.
            host.deliver(data.slice());
            const zlp = options?.zlp ?? 'never';
            if (zlp === 'always' || (zlp === 'auto' && data.length > 0 && data.length % packetSize === 0)) host.deliver(new Uint8Array(0));
        },
        read(maxLength: number, options?: IoOptions) {
            if (closed) return Promise.reject(new UsbError('disconnected', 'The transport is closed.'));
            return withTimeout((signal) => host.take(maxLength, signal), options);
        },
        async close() {
            closed = true;
        },
        closed: host.closed,
    };
}

/** Waiting for a USB device to (re)appear: the one place that races an attach event, a timeout and a signal. */
import type { EventEmitter } from 'node:events';
import { UsbError } from './transport.js';

export interface WaitOptions {
    readonly signal?: AbortSignal | undefined;
    readonly timeoutMs?: number | undefined;
}

/**
 * Resolve with `pick()` as soon as it returns something: now, or after an `attach` event of `emitter`.
 * Rejects with UsbError('timeout', timeoutMessage) or UsbError('aborted').
 */
export function waitForAttach<T>(emitter: EventEmitter, pick: (...attachArgs: unknown[]) => T | undefined, options: WaitOptions, timeoutMessage: string): Promise<T> {
    const now = pick();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
        const cleanup = (): void => {
            clearTimeout(timer);
            emitter.off('attach', onAttach);
            options.signal?.removeEventListener('abort', onAbort);
        };
        const onAttach = (...args: unknown[]): void => {
            const found = pick(...args);
            if (found === undefined) return;
            cleanup();
            resolve(found);
        };
        const onAbort = (): void => {
            cleanup();
            reject(new UsbError('aborted', 'Stopped waiting for the phone.', { cause: options.signal?.reason }));
        };
        const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
            cleanup();
            reject(new UsbError('timeout', timeoutMessage));
        }, options.timeoutMs);
        if (options.signal?.aborted) return onAbort();
        emitter.on('attach', onAttach);
        options.signal?.addEventListener('abort', onAbort, { once: true });
    });
}

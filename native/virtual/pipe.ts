/**
 * The device side of one bulk endpoint pair, as a protocol emulation sees it: whole host→device
 * transfers in order (a zero-length packet arrives as an empty array) and device→host data queued
 * for the host's next IN transfers. The virtual phone's USB face, its USB/IP export and its TCP
 * endpoints all feed the same protocol code through this interface.
 */
import { UsbError } from '../usb/transport.js';

export interface DevicePipe {
    /**
     * The next host→device transfer, the device's to keep (see HostPipeEnd.deliver); rejects with
     * UsbError('disconnected') once the pipe is closed.
     */
    receive(signal?: AbortSignal): Promise<Uint8Array>;
    /** Queue data for the host. Each call is one IN transfer (a host read may take it in pieces). */
    send(data: Uint8Array): void;
    readonly closed: Promise<void>;
    readonly isClosed: boolean;
}

/** What a device holds of the computer's transfers before the computer has to wait (see backlogAtMost). */
export const DEVICE_BACKLOG_LIMIT = 8 * 1024 * 1024;

/** The host side of the same pair, for the chassis (USB/IP, in-process USBDevice) to drive. */
export interface HostPipeEnd {
    /**
     * Deliver one host→device transfer. It becomes the device's, which may read it long after:
     * a host that reuses its buffer once the transfer is done hands over a copy.
     */
    deliver(data: Uint8Array): void;
    /** Bytes delivered that the device has not taken yet. */
    readonly backlog: number;
    /**
     * Resolves once the device has taken all but at most `bytes` of what was delivered, or the pipe
     * closed; rejects with UsbError('aborted') when `signal` aborts first. Every carrier waits for it
     * before it takes more from the computer (a USB face completes the OUT transfer, a TCP endpoint
     * reads its socket on), as a real device NAKs or closes its receive window while its buffer is
     * full: without it a download faster than the phone's disk sat whole in memory.
     */
    backlogAtMost(bytes: number, signal?: AbortSignal): Promise<void>;
    /** Take the next device→host transfer of at most maxLength bytes; waits until the device sends. */
    take(maxLength: number, signal?: AbortSignal): Promise<Uint8Array>;
    close(reason?: string): void;
    readonly closed: Promise<void>;
}

class Queue {
    readonly items: Uint8Array[] = [];
    readonly waiters: Array<{ resolve: () => void }> = [];

    push(item: Uint8Array): void {
        this.items.push(item);
        this.waiters.shift()?.resolve();
    }

    wake(): void {
        for (const waiter of this.waiters.splice(0)) waiter.resolve();
    }

    wait(signal?: AbortSignal): Promise<void> {
        return new Promise((resolve, reject) => {
            const waiter = { resolve: () => { signal?.removeEventListener('abort', onAbort); resolve(); } };
            const onAbort = (): void => {
                const index = this.waiters.indexOf(waiter);
                if (index >= 0) this.waiters.splice(index, 1);
                reject(new UsbError('aborted', 'The transfer was cancelled.', { cause: signal?.reason }));
            };
            if (signal?.aborted) return onAbort();
            signal?.addEventListener('abort', onAbort, { once: true });
            this.waiters.push(waiter);
        });
    }
}

/** A connected pair: `device` for the protocol emulation, `host` for whatever carries the bytes. */
export function createPipePair(): { device: DevicePipe; host: HostPipeEnd } {
    const toDevice = new Queue();
    const toHost = new Queue();
    let closedReason: string | undefined;
    let backlog = 0;
    let backlogWaiters: Array<{ readonly bytes: number; readonly resolve: () => void }> = [];
    const backlogTaken = (): void => {
        if (backlogWaiters.length === 0) return;
        const still = backlogWaiters.filter((waiter) => backlog > waiter.bytes && closedReason === undefined);
        for (const waiter of backlogWaiters) if (!still.includes(waiter)) waiter.resolve();
        backlogWaiters = still;
    };
    let resolveClosed!: () => void;
    const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
    const gone = (): UsbError => new UsbError('disconnected', closedReason ?? 'The device was disconnected.');

    const device: DevicePipe = {
        async receive(signal) {
            for (;;) {
                const item = toDevice.items.shift();
                if (item) {
                    backlog -= item.length;
                    backlogTaken();
                    return item;
                }
                if (closedReason !== undefined) throw gone();
                await toDevice.wait(signal);
            }
        },
        send(data) {
            if (closedReason !== undefined) return;
            toHost.push(data);
        },
        closed,
        get isClosed() {
            return closedReason !== undefined;
        },
    };

    const host: HostPipeEnd = {
        deliver(data) {
            if (closedReason !== undefined) throw gone();
            backlog += data.length;
            toDevice.push(data);
        },
        get backlog() {
            return backlog;
        },
        backlogAtMost(bytes, signal) {
            if (backlog <= bytes || closedReason !== undefined) return Promise.resolve();
            return new Promise((resolve, reject) => {
                const onAbort = (): void => {
                    backlogWaiters = backlogWaiters.filter((waiter) => waiter !== entry);
                    reject(new UsbError('aborted', 'The transfer was cancelled.', { cause: signal?.reason }));
                };
                const entry = {
                    bytes,
                    resolve: () => {
                        signal?.removeEventListener('abort', onAbort);
                        resolve();
                    },
                };
                if (signal?.aborted) return onAbort();
                signal?.addEventListener('abort', onAbort, { once: true });
                backlogWaiters.push(entry);
            });
        },
        async take(maxLength, signal) {
            for (;;) {
                const head = toHost.items[0];
                if (head) {
                    if (head.length <= maxLength) {
                        toHost.items.shift();
                        return head;
                    }
                    toHost.items[0] = head.subarray(maxLength);
                    return head.subarray(0, maxLength);
                }
                if (closedReason !== undefined) throw gone();
                await toHost.wait(signal);
            }
        },
        close(reason) {
            if (closedReason !== undefined) return;
            closedReason = reason ?? 'The device was disconnected.';
            toDevice.wake();
            toHost.wake();
            backlogTaken();
            resolveClosed();
        },
        closed,
    };
    return { device, host };
}

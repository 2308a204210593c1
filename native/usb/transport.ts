/**
 * The one USB boundary every protocol talks to. Its production adapter wraps a WebUSB
 * `USBDevice` (from the `usb` package, from USB/IP, or from the in-process virtual phone);
 * nothing above native/usb knows which.
 */

export interface UsbDeviceInfo {
    readonly vendorId: number;
    readonly productId: number;
    readonly serialNumber?: string | undefined;
    readonly manufacturer?: string | undefined;
    readonly product?: string | undefined;
    /** Where the device sits: a bus path, `usbip:HOST:PORT/BUSID` or `virtual:CODENAME`. */
    readonly location?: string | undefined;
}

export interface IoOptions {
    readonly signal?: AbortSignal | undefined;
    /** Give up after this long; omitted means wait until the device answers, unplugs or the signal aborts. */
    readonly timeoutMs?: number | undefined;
}

/**
 * Zero-length-packet policy for one bulk OUT write.
 * - `never`: send exactly the bytes given (an empty write still sends one ZLP: that is how a protocol asks for one).
 * - `always`: follow the data with a ZLP.
 * - `auto`: add a ZLP only when the length is a non-zero multiple of the endpoint's packet size (USB's rule for ending a transfer).
 */
export type ZlpPolicy = 'auto' | 'always' | 'never';

export interface WriteOptions extends IoOptions {
    readonly zlp?: ZlpPolicy | undefined;
}

export interface UsbTransport {
    readonly info: UsbDeviceInfo;
    readonly packetSize: { readonly in: number; readonly out: number };
    /** One bulk OUT transfer (plus a ZLP as the policy says). */
    write(data: Uint8Array, options?: WriteOptions): Promise<void>;
    /**
     * Only on byte-stream transports that frame each transfer (fastboot over TCP): the next writes,
     * `length` bytes in all, go out as ONE transfer, as AOSP sends a download's data. A peer then
     * gets the data as it streams, instead of reassembling many small transfers.
     */
    beginTransfer?(length: number, options?: IoOptions): Promise<void>;
    /** One bulk IN transfer of at most maxLength bytes (a short or zero-length packet ends it). */
    read(maxLength: number, options?: IoOptions): Promise<Uint8Array>;
    close(): Promise<void>;
    /** Resolves when the device goes away (unplug, re-enumeration) or the transport is closed. */
    readonly closed: Promise<void>;
}

export type UsbErrorCode = 'timeout' | 'disconnected' | 'stall' | 'aborted' | 'access' | 'busy' | 'io';

/** A failure at the USB boundary; `code` lets callers react without parsing text. */
export class UsbError extends Error {
    override readonly name = 'UsbError';
    readonly code: UsbErrorCode;

    constructor(code: UsbErrorCode, message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.code = code;
    }
}

/**
 * The fastboot wire format: ASCII commands (no terminator) and 4-letter status replies
 * (INFO/TEXT/OKAY/FAIL/DATA). One encoder/decoder per packet kind; host and device share them.
 */

/** Newer AOSP accepts 4096-byte commands; bootloaders from the 64-byte era are why we stay short. */
export const MAX_COMMAND_BYTES = 4096;
export const MAX_RESPONSE_BYTES = 256;

export type FastbootResponse =
    | { readonly kind: 'INFO'; readonly text: string }
    | { readonly kind: 'TEXT'; readonly text: string }
    | { readonly kind: 'OKAY'; readonly text: string }
    | { readonly kind: 'FAIL'; readonly text: string }
    | { readonly kind: 'DATA'; readonly size: number };

export class FastbootProtocolError extends Error {
    override readonly name = 'FastbootProtocolError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('latin1');

export function encodeCommand(command: string): Uint8Array {
    const bytes = encoder.encode(command);
    if (bytes.length === 0 || bytes.length > MAX_COMMAND_BYTES) throw new FastbootProtocolError(`a fastboot command must be 1–${MAX_COMMAND_BYTES} bytes, got ${bytes.length}`);
    return bytes;
}

export function decodeCommand(bytes: Uint8Array): string {
    return decoder.decode(bytes);
}

export function encodeResponse(response: FastbootResponse): Uint8Array {
    if (response.kind === 'DATA') {
        if (!Number.isInteger(response.size) || response.size < 0 || response.size > 0xffffffff) throw new FastbootProtocolError(`DATA size ${response.size} does not fit 32 bits`);
        return encoder.encode(`DATA${response.size.toString(16).padStart(8, '0')}`);
    }
    return encoder.encode(`${response.kind}${response.text}`);
}

export function decodeResponse(bytes: Uint8Array): FastbootResponse {
    const text = decoder.decode(bytes);
    const kind = text.slice(0, 4);
    const rest = text.slice(4);
    switch (kind) {
        case 'INFO':
        case 'TEXT':
        case 'OKAY':
        case 'FAIL':
            return { kind, text: rest };
        case 'DATA': {
            if (!/^[0-9a-fA-F]{8}$/.test(rest)) throw new FastbootProtocolError(`the device sent a malformed DATA reply "${printable(text)}"`);
            return { kind, size: Number.parseInt(rest, 16) };
        }
        default:
            throw new FastbootProtocolError(`the device sent an unknown status "${printable(text.slice(0, 32))}"`);
    }
}

function printable(text: string): string {
    return text.replace(/[^\x20-\x7e]/g, '?');
}

/** `download:%08x` as AOSP sends it: 8 lowercase hex digits. */
export function downloadCommand(size: number): string {
    if (!Number.isInteger(size) || size <= 0 || size > 0xffffffff) throw new FastbootProtocolError(`a download of ${size} bytes cannot be announced (1 byte to 4 GiB − 1)`);
    return `download:${size.toString(16).padStart(8, '0')}`;
}

/** Variables whose name carries a sub-key (`partition-size:boot`). */
const KEYED_VARIABLES = new Set(['partition-size', 'partition-type', 'has-slot', 'slot-successful', 'slot-unbootable', 'slot-retry-count', 'is-logical']);

/** One `getvar:all` INFO line (`partition-size:boot: 0x1000000`, `version-bootloader:xyz`) as name and value. */
export function parseVariableLine(line: string): [string, string] | undefined {
    const parts = line.split(':');
    if (parts.length < 2) return undefined;
    const head = (parts[0] ?? '').trim();
    if (KEYED_VARIABLES.has(head) && parts.length >= 3) return [`${head}:${(parts[1] ?? '').trim()}`, parts.slice(2).join(':').trim()];
    return [head, parts.slice(1).join(':').trim()];
}

/**
 * Numbers as bootloaders send them: `0x…` hex or decimal. Some send partition sizes as bare hex
 * (AOSP prepends the missing 0x for those): pass `bareHex` for such variables.
 */
export function parseNumericVariable(value: string, options: { bareHex?: boolean } = {}): number | undefined {
    const text = value.trim();
    if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text.slice(2), 16);
    if (!options.bareHex && /^[0-9]+$/.test(text)) return Number.parseInt(text, 10);
    if (/^[0-9a-f]+$/i.test(text)) return Number.parseInt(text, 16);
    return undefined;
}

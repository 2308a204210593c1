/**
 * A person's words for a phone, turned into a DeviceRef: the one place that reads them, for every
 * CLI command, the app and the jobs. The spellings follow adb and fastboot where they have one.
 *
 *   ABC123              a USB serial number (adb/fastboot `-s SERIAL`)
 *   usb:1-4.2 / 1-4.2   a local USB port path, bus-port[.port…] as `adb devices -l` and sysfs write it
 *   usbip:HOST:PORT[/BUSID]  a phone exported by a USB/IP server (our virtual phone, or usbipd)
 *   tcp:HOST:PORT       adbd or fastboot over TCP (adb also takes plain HOST:PORT)
 *   virtual:CODENAME    an in-process virtual phone of that recipe
 */
import { ReviveError } from '../jobs/errors.js';

export type DeviceRef =
    /** A phone on local USB, by its USB serial number. */
    | { readonly kind: 'serial'; readonly serial: string }
    /**
     * Whatever phone is on this local USB port (`usb:BUS-PORT.PORT…`, as `revive devices` shows it):
     * phones in download mode have no serial.
     */
    | { readonly kind: 'port'; readonly port: string }
    /**
     * A phone exported over USB/IP; followed across re-enumeration on every mode change. With a
     * bus id (`usbip:HOST:PORT/1-2`), that port of a server exporting several phones.
     */
    | { readonly kind: 'usbip'; readonly host: string; readonly port: number; readonly busid?: string | undefined }
    /** adbd or a fastboot bootloader listening on TCP. */
    | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
    /** An in-process virtual phone of this model; its state lives in stateDir (like `virtual-phone serve --state-dir`). */
    | { readonly kind: 'virtual'; readonly codename: string; readonly stateDir?: string | undefined };

export type DeviceRefKind = DeviceRef['kind'];

/** What `--device`, `-s` and friends accept, for usage lines and messages. */
export const DEVICE_REF_FORMS = 'SERIAL, usb:BUS-PORT, usbip:HOST:PORT, tcp:HOST:PORT or virtual:CODENAME';

const PORT_PATH = /^\d{1,3}-\d{1,3}(?:\.\d{1,3}){0,6}$/;
const BUSID = /^\d{1,3}-\d{1,3}(?:\.\d{1,3}){0,6}$/;
/** Printable ASCII without spaces: what USB serial strings and codenames are in practice. */
const WORD = /^[\x21-\x7e]+$/;

type RefProblem = 'empty' | 'host-port' | 'virtual' | 'busid' | 'usb-port' | 'serial';

function invalid(text: string, variant: RefProblem, example: string, scheme?: string): ReviveError {
    return ReviveError.of('device-ref-invalid', { text, example, variant, ...(scheme !== undefined ? { scheme } : {}) });
}

/** `HOST:PORT` or `[IPV6]:PORT` → host and port, or undefined when it is neither. */
export function splitHostPort(text: string): { host: string; port: number } | undefined {
    const match = /^\[([^\]\s]+)\]:(\d{1,5})$/.exec(text) ?? /^([^\s:[\]]+):(\d{1,5})$/.exec(text);
    const port = Number(match?.[2]);
    if (!match?.[1] || !(port > 0 && port < 65536)) return undefined;
    return { host: match[1], port };
}

function hostPort(text: string, whole: string, scheme: string): { host: string; port: number } {
    const parsed = splitHostPort(text);
    if (!parsed) throw invalid(whole, 'host-port', `${scheme}:127.0.0.1:${scheme === 'usbip' ? 3240 : 5555}`, scheme);
    return parsed;
}

function formatHost(host: string): string {
    return host.includes(':') ? `[${host}]` : host;
}

export interface ParseDeviceRefOptions {
    /** Where a `virtual:` phone keeps its state (the CLI's `--virtual-state DIR`). */
    readonly virtualStateDir?: string | undefined;
}

/** A person's words for a phone → a DeviceRef; a ReviveError (`device-ref-invalid`) that shows the right form otherwise. */
export function parseDeviceRef(input: string, options: ParseDeviceRefOptions = {}): DeviceRef {
    const text = input.trim();
    if (text === '') throw invalid(input, 'empty', 'ABC123');
    const colon = text.indexOf(':');
    const scheme = colon > 0 ? text.slice(0, colon) : '';
    const rest = text.slice(colon + 1);
    switch (scheme) {
        case 'virtual':
            if (!WORD.test(rest) || rest.includes('/')) throw invalid(text, 'virtual', 'virtual:ks01ltexx');
            return { kind: 'virtual', codename: rest, stateDir: options.virtualStateDir };
        case 'usbip': {
            const slash = rest.lastIndexOf('/');
            const busid = slash >= 0 ? rest.slice(slash + 1) : undefined;
            if (busid !== undefined && !BUSID.test(busid)) throw invalid(text, 'busid', 'usbip:127.0.0.1:3240/1-1');
            const address = hostPort(slash >= 0 ? rest.slice(0, slash) : rest, text, 'usbip');
            return busid === undefined ? { kind: 'usbip', ...address } : { kind: 'usbip', ...address, busid };
        }
        case 'tcp':
            return { kind: 'tcp', ...hostPort(rest, text, 'tcp') };
        case 'usb':
            if (!PORT_PATH.test(rest)) throw invalid(text, 'usb-port', 'usb:1-4.2');
            return { kind: 'port', port: `usb:${rest}` };
        default:
            break;
    }
    if (PORT_PATH.test(text)) return { kind: 'port', port: `usb:${text}` };
    // adb's habit: a plain HOST:PORT is adbd over TCP.
    const tcp = splitHostPort(text);
    if (tcp) return { kind: 'tcp', ...tcp };
    if (!WORD.test(text) || text.includes(':')) throw invalid(text, 'serial', 'ABC123');
    return { kind: 'serial', serial: text };
}

/** How a person would name this phone again: the words parseDeviceRef reads back to the same DeviceRef (stateDir aside). */
export function describeDeviceRef(ref: DeviceRef): string {
    switch (ref.kind) {
        case 'serial':
            return ref.serial;
        case 'port':
            return ref.port;
        case 'usbip':
            return `usbip:${formatHost(ref.host)}:${ref.port}${ref.busid ? `/${ref.busid}` : ''}`;
        case 'tcp':
            return `tcp:${formatHost(ref.host)}:${ref.port}`;
        case 'virtual':
            return `virtual:${ref.codename}`;
    }
}

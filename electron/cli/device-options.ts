/**
 * The device options every phone command takes, read into a DeviceRef (native/devices/ref.ts):
 * `-s SERIAL|usb:BUS-PORT|usbip:HOST:PORT|tcp:HOST:PORT|virtual:CODENAME` as adb and fastboot spell
 * it, `--usbip HOST:PORT` (the same as `-s usbip:HOST:PORT`), `--virtual CODENAME` (the same as
 * `-s virtual:CODENAME`) with `--virtual-state DIR` and `--owner accept|deny|ask`.
 */
import { parseDeviceRef, type DeviceRef } from '../../native/devices/ref.js';
import { ReviveError } from '../../native/jobs/errors.js';
import type { OwnerChoice } from '../../native/virtual/owner.js';
import { CliUsageError, type CliIo } from './command.js';

/** parseArgs options (node:util) of the device options. */
export const deviceOptions = {
    serial: { type: 'string', short: 's' },
    usbip: { type: 'string' },
    virtual: { type: 'string' },
    'virtual-state': { type: 'string' },
    owner: { type: 'string' },
} as const;

export const DEVICE_USAGE = '[-s SERIAL|usb:BUS-PORT|usbip:HOST:PORT|tcp:HOST:PORT | --usbip HOST:PORT | --virtual CODENAME [--virtual-state DIR] [--owner accept|deny|ask]]';

/** The option words that take a value, as they may also come before the sub-command (`revive adb -s X push …`). */
export const DEVICE_VALUE_FLAGS: readonly string[] = ['-s', '--serial', '--usbip', '--virtual', '--virtual-state', '--owner'];

export interface DeviceValues {
    readonly serial?: string | undefined;
    readonly usbip?: string | undefined;
    readonly virtual?: string | undefined;
    readonly 'virtual-state'?: string | undefined;
    readonly owner?: string | undefined;
}

/** The phone the options name; undefined means "the one phone on this computer's USB". Usage mistakes throw CliUsageError. */
export function deviceRefFromOptions(values: DeviceValues): DeviceRef | undefined {
    const given = [values.serial !== undefined && '-s', values.usbip !== undefined && '--usbip', values.virtual !== undefined && '--virtual'].filter(Boolean);
    if (given.length > 1) throw new CliUsageError(`Use one of ${given.join(', ')} to name the phone, not several.`);
    const words = values.serial ?? (values.usbip !== undefined ? `usbip:${values.usbip}` : values.virtual !== undefined ? `virtual:${values.virtual}` : undefined);
    let ref: DeviceRef | undefined;
    if (words !== undefined) {
        try {
            ref = parseDeviceRef(words, { virtualStateDir: values['virtual-state'] });
        } catch (error) {
            if (error instanceof ReviveError) throw new CliUsageError(`${error.message} ${error.nextStep}`);
            throw error;
        }
    }
    if (values['virtual-state'] !== undefined && ref?.kind !== 'virtual') throw new CliUsageError('--virtual-state goes with --virtual CODENAME (or the words virtual:CODENAME).');
    if (values.owner !== undefined && ref?.kind !== 'virtual') throw new CliUsageError('--owner goes with --virtual CODENAME (or the words virtual:CODENAME).');
    return ref;
}

/** How a virtual phone's owner answers: as told, else asked on a terminal and "accept" in a pipe. */
export function ownerChoice(value: string | undefined, io: Pick<CliIo, 'interactive'>): OwnerChoice {
    if (value === undefined) return io.interactive ? 'ask' : 'accept';
    if (value === 'accept' || value === 'deny' || value === 'ask') return value;
    throw new CliUsageError(`--owner is accept, deny or ask, not "${value}".`);
}

/**
 * adb and fastboot take `-s SERIAL` before the sub-command (`adb -s X push a b`): move device options
 * found between the group word and the sub-command to after it, where the sub-command reads them.
 * `isCommand` says whether words name a command.
 */
export function deviceOptionsAfterCommand(argv: readonly string[], isCommand: (words: readonly string[]) => boolean): readonly string[] {
    const leading: string[] = [];
    let i = 1;
    while (i < argv.length) {
        const word = argv[i] ?? '';
        if (DEVICE_VALUE_FLAGS.includes(word) && i + 1 < argv.length) {
            leading.push(word, argv[i + 1] ?? '');
            i += 2;
        } else if (DEVICE_VALUE_FLAGS.some((flag) => flag.startsWith('--') && word.startsWith(`${flag}=`))) {
            leading.push(word);
            i += 1;
        } else {
            break;
        }
    }
    if (leading.length === 0) return argv;
    const rest = argv.slice(i);
    for (let words = rest.length; words >= 1; words--) {
        const name = [argv[0] ?? '', ...rest.slice(0, words)];
        if (isCommand(name)) return [...name, ...leading, ...rest.slice(words)];
    }
    return argv;
}

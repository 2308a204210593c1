/**
 * Faults and owner actions for a virtual phone, as words a person types: `--fault unplug-after-bytes=N`
 * on `revive virtual-phone serve`, or a line such as `download` or `unplug` on its stdin, so a shop can
 * rehearse and a test can disturb one phone among several served by separate processes.
 */
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';
import { PhoneMode } from '../manifests/schema.js';
import type { FaultPlan } from './mode-protocol.js';
import type { VirtualPhone } from './phone.js';

type FailNext = NonNullable<FaultPlan['failNext']>;
const FAIL_NEXT: readonly FailNext[] = ['flash', 'erase', 'download', 'sideload', 'any'];

export type FaultWord =
    | { readonly kind: 'unplug-after-bytes'; readonly bytes: number }
    | { readonly kind: 'unplug-after-device-bytes'; readonly bytes: number }
    | { readonly kind: 'stall-after-bytes'; readonly bytes: number }
    | { readonly kind: 'fail-next'; readonly command: FailNext }
    | { readonly kind: 'battery'; readonly percent: number }
    | { readonly kind: 'change-after-pull'; readonly path: string };

export const FAULT_USAGE = `unplug-after-bytes=N | unplug-after-device-bytes=N | stall-after-bytes=N | fail-next=${FAIL_NEXT.join('|')} | battery=N | change-after-pull=PATH`;

function invalid(text: string, facts: Omit<FactsOf<'fault-invalid'>, 'text' | 'usage'>): ReviveError {
    return ReviveError.of('fault-invalid', { text, usage: FAULT_USAGE, ...facts });
}

export function parseFaultWord(text: string): FaultWord {
    const match = /^([a-z-]+)=(.+)$/.exec(text.trim());
    if (!match?.[1] || !match[2]) throw invalid(text, { variant: 'shape' });
    const [, name, value] = match;
    const count = (): number => {
        const n = Number(value);
        if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) throw invalid(text, { variant: 'bytes', value });
        return n;
    };
    switch (name) {
        case 'unplug-after-bytes':
        case 'unplug-after-device-bytes':
            return { kind: name, bytes: count() };
        case 'stall-after-bytes':
            return { kind: name, bytes: count() };
        case 'fail-next':
            if (!(FAIL_NEXT as readonly string[]).includes(value)) throw invalid(text, { variant: 'command', commands: FAIL_NEXT.join(', ') });
            return { kind: name, command: value as FailNext };
        case 'battery': {
            const percent = Number(value);
            if (!/^\d+$/.test(value) || percent > 100) throw invalid(text, { variant: 'battery' });
            return { kind: name, percent };
        }
        case 'change-after-pull':
            if (!value.startsWith('/')) throw invalid(text, { variant: 'path', value });
            return { kind: name, path: value };
        default:
            throw invalid(text, { variant: 'name', name });
    }
}

export function applyFault(phone: VirtualPhone, fault: FaultWord): void {
    switch (fault.kind) {
        case 'unplug-after-bytes':
            phone.faults.unplugAfterBytes = fault.bytes;
            break;
        case 'unplug-after-device-bytes':
            phone.faults.unplugAfterDeviceBytes = fault.bytes;
            break;
        case 'stall-after-bytes':
            phone.faults.stallAfterBytes = fault.bytes;
            break;
        case 'fail-next':
            phone.faults.failNext = fault.command;
            break;
        case 'battery':
            phone.setBatteryPercent(fault.percent);
            break;
        case 'change-after-pull':
            phone.faults.changeAfterPull = fault.path;
            break;
    }
}

export const OWNER_ACTIONS_USAGE = `a mode (${PhoneMode.options.join(', ')}) holds its key combo; unplug; replug; or a fault (${FAULT_USAGE})`;

/** One line the phone's owner typed: hold the keys for a mode, pull or plug the cable, or a fault. Returns what happened. */
export function ownerAction(phone: VirtualPhone, line: string): string {
    const word = line.trim();
    const mode = PhoneMode.safeParse(word);
    if (mode.success) {
        phone.pressKeys(mode.data);
        return `holding the keys for ${mode.data}`;
    }
    if (word === 'unplug') {
        phone.unplug();
        return 'cable pulled';
    }
    if (word === 'replug') {
        phone.replug();
        return 'cable plugged back in';
    }
    applyFault(phone, parseFaultWord(word));
    return `fault set: ${word}`;
}

/** Turning fastboot failures (FAIL replies, USB/TCP trouble) into errors a person can act on. */
import { ReviveError } from '../jobs/errors.js';
import { UsbError } from '../usb/transport.js';
import { FastbootProtocolError } from './protocol.js';

/** What the client was doing, for the message: `flash:recovery`, `download` of piece 2/3, … */
export interface FailureContext {
    readonly command: string;
    readonly partition?: string | undefined;
    readonly imageBytes?: number | undefined;
    readonly partitionBytes?: number | undefined;
}

/** A FAIL reply as a ReviveError, classified by the bootloader's words. */
export function failError(reason: string, context: FailureContext): ReviveError {
    const said = reason.trim() || '(no reason given)';
    const target = context.partition && !context.command.includes(context.partition) ? ` '${context.partition}'` : '';
    const command = `${context.command}${target}`;
    const facts = { command, phoneSaid: said };
    if (/lock/i.test(said) && /(not allowed|locked|lock state|denied|prohibited)/i.test(said) && !/unlock(ed)? (cancel|denied)/i.test(said)) {
        return ReviveError.of('bootloader-locked', facts);
    }
    if (/(too large|too big|exceeds|larger than|size too|not enough space)/i.test(said)) {
        return ReviveError.of('image-too-large', { variant: 'phone-said', ...facts, partition: context.partition ?? context.command, imageBytes: context.imageBytes ?? 0, partitionBytes: context.partitionBytes ?? 0 });
    }
    if (/(not found|does not exist|doesn't exist|unknown partition|no such partition|invalid partition)/i.test(said)) {
        return ReviveError.of('partition-unknown', { ...facts, partition: context.partition ?? context.command });
    }
    if (/(cancel|declin|denied|aborted by user|user refused)/i.test(said)) return ReviveError.of('declined-on-phone', facts);
    if (/(unknown command|unsupported|not supported|invalid command|unrecognized)/i.test(said)) return ReviveError.of('fastboot-unsupported', facts);
    return ReviveError.of('fastboot-failed', facts);
}

/** A transport or protocol failure in the middle of a command, never reported as success. */
export function transportError(error: unknown, context: FailureContext & { timeoutMs?: number; during?: string }): ReviveError {
    if (error instanceof ReviveError) return error;
    const during = context.during ?? context.command;
    // Which partition may now be half written ('' when none): the words add a sentence for it.
    const partial = context.partition && /download|flash/.test(context.command) ? context.partition : '';
    const variant = partial ? 'partial' : 'whole';
    if (error instanceof UsbError) {
        switch (error.code) {
            case 'timeout':
                return ReviveError.of('fastboot-timeout', { variant, command: during, partition: partial, seconds: Math.round((context.timeoutMs ?? 0) / 1000) }, { cause: error });
            case 'disconnected':
                return ReviveError.of('fastboot-disconnected', { variant, command: during, partition: partial }, { cause: error });
            case 'aborted':
                return ReviveError.of('cancelled', { variant: partial ? 'fastboot-partial' : 'fastboot', what: during, partition: partial }, { cause: error });
            default:
                return ReviveError.of('usb-error', { variant, command: during, partition: partial, problem: error.message }, { cause: error });
        }
    }
    if (error instanceof FastbootProtocolError) {
        return ReviveError.of('fastboot-protocol', { variant, command: during, partition: partial, problem: error.message }, { cause: error });
    }
    if (error instanceof Error && error.name === 'AbortError') {
        return ReviveError.of('cancelled', { variant: partial ? 'fastboot-partial' : 'fastboot', what: during, partition: partial }, { cause: error });
    }
    return ReviveError.from(error);
}

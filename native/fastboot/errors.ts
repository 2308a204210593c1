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

const UNLOCK_STEP = 'Unlock the bootloader first (`revive fastboot unlock`; it erases the phone, so back it up before), then try again.';

/** A FAIL reply as a ReviveError, classified by the bootloader's words. */
export function failError(reason: string, context: FailureContext): ReviveError {
    const said = reason.trim() || '(no reason given)';
    const target = context.partition && !context.command.includes(context.partition) ? ` '${context.partition}'` : '';
    const details = { command: context.command, phoneSaid: said };
    if (/lock/i.test(said) && /(not allowed|locked|lock state|denied|prohibited)/i.test(said) && !/unlock(ed)? (cancel|denied)/i.test(said)) {
        return new ReviveError({ code: 'bootloader-locked', message: `The bootloader is locked: unlock it first. The phone refused ${context.command}${target} and said "${said}".`, nextStep: UNLOCK_STEP, details });
    }
    if (/(too large|too big|exceeds|larger than|size too|not enough space)/i.test(said)) {
        const sizes = context.imageBytes !== undefined ? ` The image is ${context.imageBytes} bytes${context.partitionBytes !== undefined ? `, the partition ${context.partitionBytes} bytes` : ''}.` : '';
        return new ReviveError({
            code: 'image-too-large',
            message: `The image does not fit${target}: the phone said "${said}".${sizes}`,
            nextStep: 'Check that the image is meant for this exact phone model and partition.',
            details,
        });
    }
    if (/(not found|does not exist|doesn't exist|unknown partition|no such partition|invalid partition)/i.test(said)) {
        return new ReviveError({
            code: 'partition-unknown',
            message: `The phone has no partition${target}: it said "${said}".`,
            nextStep: 'Check the partition name against the phone (`revive fastboot getvar all` lists them); A/B phones name them with _a/_b.',
            details,
        });
    }
    if (/(cancel|declin|denied|aborted by user|user refused)/i.test(said)) {
        return new ReviveError({ code: 'declined-on-phone', message: `${context.command} was declined on the phone: "${said}".`, nextStep: 'Run it again and confirm on the phone with the volume and power buttons.', details });
    }
    if (/(unknown command|unsupported|not supported|invalid command|unrecognized)/i.test(said)) {
        return new ReviveError({ code: 'fastboot-unsupported', message: `This bootloader does not support ${context.command}: it said "${said}".`, nextStep: 'Use the method the phone\'s recipe names, or update the bootloader.', details });
    }
    return new ReviveError({
        code: 'fastboot-failed',
        message: `The phone refused ${context.command}${target}: "${said}".`,
        nextStep: 'Read the phone\'s message above; check the cable and that the image is for this phone, then try again.',
        details,
    });
}

/** A transport or protocol failure in the middle of a command, never reported as success. */
export function transportError(error: unknown, context: FailureContext & { timeoutMs?: number; during?: string }): ReviveError {
    if (error instanceof ReviveError) return error;
    const during = context.during ?? context.command;
    const partial = context.partition && /download|flash/.test(context.command) ? ` '${context.partition}' may be partly written.` : '';
    if (error instanceof UsbError) {
        switch (error.code) {
            case 'timeout':
                return new ReviveError(
                    {
                        code: 'fastboot-timeout',
                        message: `The phone stopped answering during ${during} (nothing for ${Math.round((context.timeoutMs ?? 0) / 1000)} s).${partial}`,
                        nextStep: 'Unplug the phone, hold Power and Volume Down until the bootloader screen comes back, reconnect and try again (a different cable or USB port helps).',
                    },
                    { cause: error },
                );
            case 'disconnected':
                return new ReviveError(
                    { code: 'fastboot-disconnected', message: `The phone disconnected during ${during}.${partial}`, nextStep: 'Reconnect the phone in bootloader mode and run the step again; do not start Android until it has finished.' },
                    { cause: error },
                );
            case 'aborted':
                return new ReviveError({ code: 'cancelled', message: `Cancelled during ${during}.${partial}`, nextStep: 'Run the step again when you are ready; the phone stays in bootloader mode.' }, { cause: error });
            default:
                return new ReviveError({ code: 'usb-error', message: `USB trouble during ${during}: ${error.message}.${partial}`, nextStep: 'Check the cable and USB port, reconnect the phone in bootloader mode and try again.' }, { cause: error });
        }
    }
    if (error instanceof FastbootProtocolError) {
        return new ReviveError({ code: 'fastboot-protocol', message: `The phone's answer to ${during} made no sense: ${error.message}.${partial}`, nextStep: 'Reconnect the phone in bootloader mode and try again; if it repeats, the cable or the phone\'s USB port is faulty.' }, { cause: error });
    }
    if (error instanceof Error && error.name === 'AbortError') {
        return new ReviveError({ code: 'cancelled', message: `Cancelled during ${during}.${partial}`, nextStep: 'Run the step again when you are ready; the phone stays in bootloader mode.' }, { cause: error });
    }
    return ReviveError.from(error);
}

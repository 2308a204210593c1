/** `revive identify --device ID`: "which phone is this?" — the phone shows itself, harmlessly. */
import { parseArgs } from 'node:util';
import { DEVICE_REF_FORMS, describeDeviceRef, parseDeviceRef } from '../../native/devices/ref.js';
import { openDeviceSession } from '../phone-finding/device-session.js';
import { showPhone } from '../phone-finding/show-phone.js';
import { CliUsageError, type CliCommand, type CliIo } from './command.js';

async function identify(args: readonly string[], io: CliIo): Promise<number> {
    const { values } = parseArgs({ args: [...args], options: { device: { type: 'string' }, json: { type: 'boolean', default: false } }, strict: true });
    if (!values.device) throw new CliUsageError(`--device is required (${DEVICE_REF_FORMS}).`);
    const ref = parseDeviceRef(values.device);
    const session = await openDeviceSession(ref, { signal: io.signal });
    try {
        const shown = await showPhone(session, io.signal);
        const where = shown.port ?? describeDeviceRef(ref);
        if (values.json) io.out(`${JSON.stringify({ device: describeDeviceRef(ref), phone: session.recipe.name, ...shown, port: shown.port ?? null, shows: shown.shows ?? null })}\n`);
        else if (shown.shows === 'about-phone') io.out(`The ${session.recipe.name} on ${where} now shows its About phone screen (model, serial number, IMEI). Nothing on it was changed.\n`);
        else io.out(`The ${session.recipe.name} on ${where} is in ${shown.mode} mode, where it cannot show anything harmlessly: it is the phone plugged into ${where}.\n`);
        return 0;
    } finally {
        await session.close();
    }
}

export const commands: readonly CliCommand[] = [
    {
        name: 'identify',
        usage: `revive identify --device ID [--json]   (ID: ${DEVICE_REF_FORMS})`,
        run: identify,
    },
];

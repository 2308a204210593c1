/** `revive virtual-phone serve`: run a virtual phone until interrupted, exported over USB/IP and TCP. */
import { parseArgs } from 'node:util';
import { PhoneMode } from '../../native/manifests/schema.js';
import { UsbIpServer } from '../../native/usbip/server.js';
import { createInterface } from 'node:readline';
import { ReviveError } from '../../native/jobs/errors.js';
import { applyFault, FAULT_USAGE, ownerAction, OWNER_ACTIONS_USAGE, parseFaultWord, type FaultWord } from '../../native/virtual/fault-words.js';
import { VirtualPhone } from '../../native/virtual/phone.js';
import { startAdbTcpEndpoint } from '../../native/virtual/tcp/adb-endpoint.js';
import { startFastbootTcpEndpoint } from '../../native/virtual/tcp/fastboot-endpoint.js';
import { CliUsageError, type CliCommand, type CliIo } from './command.js';

const USAGE = [
    'revive virtual-phone serve --model CODENAME --mode MODE [--state-dir DIR] [--usbip-port N] [--adb-port N] [--fastboot-port N]',
    '                           [--owner accept|deny|ask] [--battery N] [--fault FAULT]... [--person stdin]',
    `  --fault         inject a fault (repeatable): ${FAULT_USAGE}`,
    `  --person stdin  each line on stdin is what the phone's owner does: ${OWNER_ACTIONS_USAGE}`,
].join('\n');

function port(value: string | undefined, flag: string): number | undefined {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new CliUsageError(`${flag} must be a port number (0 picks a free one), not "${value}".`);
    return n;
}

function waitForStop(io: CliIo): Promise<void> {
    return new Promise((resolve) => {
        const stop = (): void => {
            process.off('SIGTERM', stop);
            io.signal.removeEventListener('abort', stop);
            resolve();
        };
        if (io.signal.aborted) return resolve();
        io.signal.addEventListener('abort', stop, { once: true });
        process.once('SIGTERM', stop);
    });
}

async function serve(args: readonly string[], io: CliIo): Promise<number> {
    const { values } = parseArgs({
        args: [...args],
        options: {
            model: { type: 'string' },
            mode: { type: 'string' },
            'state-dir': { type: 'string' },
            'usbip-port': { type: 'string' },
            'adb-port': { type: 'string' },
            'fastboot-port': { type: 'string' },
            owner: { type: 'string', default: 'accept' },
            battery: { type: 'string' },
            fault: { type: 'string', multiple: true, default: [] },
            person: { type: 'string' },
        },
        strict: true,
    });
    if (!values.model) throw new CliUsageError('--model is required (e.g. ks01ltexx, shamu).');
    const mode = PhoneMode.safeParse(values.mode);
    if (!mode.success) throw new CliUsageError(`--mode must be one of ${PhoneMode.options.join(', ')}.`);
    const owner = values.owner;
    if (owner !== 'accept' && owner !== 'deny' && owner !== 'ask') throw new CliUsageError('--owner must be accept, deny or ask.');
    const battery = values.battery === undefined ? undefined : Number(values.battery);
    if (battery !== undefined && !(Number.isInteger(battery) && battery >= 0 && battery <= 100)) throw new CliUsageError('--battery must be a whole percentage from 0 to 100.');
    const faults: FaultWord[] = [];
    for (const text of values.fault) {
        try {
            faults.push(parseFaultWord(text));
        } catch (error) {
            throw new CliUsageError(error instanceof ReviveError ? `--fault ${error.message} ${error.nextStep}` : String(error));
        }
    }
    if (values.person !== undefined && values.person !== 'stdin') throw new CliUsageError('--person takes stdin (the owner\'s actions, one per line).');
    const usbipPort = port(values['usbip-port'], '--usbip-port');
    const adbPort = port(values['adb-port'], '--adb-port');
    const fastbootPort = port(values['fastboot-port'], '--fastboot-port');
    // Without an endpoint nothing can reach the phone, and nothing would keep the process running.
    if (usbipPort === undefined && adbPort === undefined && fastbootPort === undefined) {
        throw new CliUsageError('Give at least one of --usbip-port N, --adb-port N or --fastboot-port N (0 picks a free port): without one, no tool can reach the phone.');
    }

    const phone = await VirtualPhone.create({
        codename: values.model,
        mode: mode.data,
        stateDir: values['state-dir'],
        owner,
        batteryPercent: battery,
        onLog: (line) => io.err(`${line}\n`),
    });
    for (const fault of faults) applyFault(phone, fault);
    const closers: Array<() => Promise<void>> = [];
    try {
        let usbip: string | null = null;
        if (usbipPort !== undefined) {
            const server = await UsbIpServer.start({ port: usbipPort, log: (line) => io.err(`${line}\n`) });
            server.export(phone, '1-1');
            closers.push(() => server.close());
            usbip = server.address;
        }
        let adb: string | null = null;
        if (adbPort !== undefined) {
            const endpoint = await startAdbTcpEndpoint(phone, adbPort);
            closers.push(() => endpoint.close());
            adb = `127.0.0.1:${endpoint.port}`;
        }
        let fastboot: string | null = null;
        if (fastbootPort !== undefined) {
            const endpoint = await startFastbootTcpEndpoint(phone, fastbootPort);
            closers.push(() => endpoint.close());
            fastboot = `127.0.0.1:${endpoint.port}`;
        }
        io.out(`${JSON.stringify({ serial: phone.serial, model: phone.recipe.id, mode: phone.mode, stateDir: phone.stateDir, usbip, adb, fastboot, faults: values.fault })}\n`);
        if (values.person === 'stdin') {
            const lines = createInterface({ input: process.stdin });
            lines.on('line', (line) => {
                if (line.trim() === '') return;
                try {
                    io.err(`owner: ${ownerAction(phone, line)}\n`);
                } catch (error) {
                    io.err(`owner: ${error instanceof ReviveError ? `${error.message} ${error.nextStep}` : String(error)}\n`);
                }
            });
            closers.push(async () => lines.close());
        }
        await waitForStop(io);
        return 0;
    } finally {
        for (const close of closers.reverse()) await close().catch(() => undefined);
        await phone.close();
    }
}

export const commands: readonly CliCommand[] = [
    {
        name: 'virtual-phone serve',
        usage: USAGE,
        run: serve,
    },
];

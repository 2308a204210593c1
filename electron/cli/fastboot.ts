/**
 * `revive fastboot …`: fastboot on a real phone (local USB, USB/IP, TCP) or a virtual one, with
 * fastboot's own device syntax (`-s SERIAL`, `-s tcp:HOST:PORT`, before or after the sub-command).
 */
import { openTransport } from '../../native/devices/open.js';
import { FastbootClient, inspectImage, type RebootTarget, type Slot } from '../../native/fastboot/client.js';
import type { JobContext } from '../../native/jobs/progress.js';
import type { VirtualPhone } from '../../native/virtual/phone.js';
import { CliUsageError, parseCliArgs, type CliCommand, type CliIo } from './command.js';
import { DEVICE_USAGE, deviceOptions, deviceRefFromOptions, ownerChoice, type DeviceValues } from './device-options.js';
import { jobContext } from './progress.js';

interface Session {
    readonly client: FastbootClient;
    readonly phone: VirtualPhone | undefined;
    close(): Promise<void>;
}

async function openSession(values: DeviceValues, io: CliIo): Promise<Session> {
    const ref = deviceRefFromOptions(values);
    const opened = await openTransport(ref, 'fastboot', { signal: io.signal, owner: ref?.kind === 'virtual' ? ownerChoice(values.owner, io) : undefined });
    try {
        const client = await FastbootClient.open(opened.transport);
        return {
            client,
            phone: opened.virtual,
            async close() {
                await client.close().catch(() => undefined);
                await opened.close();
            },
        };
    } catch (error) {
        await opened.close();
        throw error;
    }
}

/** Parse, connect, run, close: the shape of every fastboot sub-command. */
interface FastbootCommandSpec<Early> {
    readonly name: string;
    readonly usage: string;
    readonly options?: Record<string, { type: 'string' }>;
    /** How many positional arguments: [at least, at most]. */
    readonly positionals: [number, number];
    /** Usage checks that need no phone: run before connecting. */
    readonly check?: (positionals: string[]) => void;
    /**
     * Work that needs no phone (reading and checking an image), started before connecting so it runs
     * while the connection opens; `work` gets its promise and the context it runs in. Stopped when
     * the command ends.
     */
    readonly early?: (positionals: string[], ctx: JobContext) => Promise<Early>;
    readonly work: (session: Session, positionals: string[], values: Record<string, string | undefined>, io: CliIo, early: { ctx: JobContext; started: Promise<Early> | undefined }) => Promise<void>;
}

function fastbootCommand<Early = never>({ name, usage, options: extra = {}, positionals: positionalCount, check, early, work }: FastbootCommandSpec<Early>): CliCommand {
    return {
        name: `fastboot ${name}`,
        usage: `revive fastboot ${usage} ${DEVICE_USAGE}`,
        async run(args, io) {
            const { values, positionals } = parseCliArgs({ args: [...args], options: { ...deviceOptions, ...extra }, allowPositionals: true, strict: true });
            if (positionals.length < positionalCount[0] || positionals.length > positionalCount[1]) throw new CliUsageError(`Expected ${usage}.`);
            check?.(positionals);
            slotOption((values as Record<string, string | undefined>)['slot']);
            const stop = new AbortController();
            const ctx: JobContext = { ...jobContext(io), signal: AbortSignal.any([io.signal, stop.signal]) };
            const started = early?.(positionals, ctx);
            // Its failure is reported where work awaits it, after the connection opened — or not at all when connecting failed.
            started?.catch(() => undefined);
            try {
                const session = await openSession(values as Record<string, string | undefined>, io);
                try {
                    await work(session, positionals, values as Record<string, string | undefined>, io, { ctx, started });
                } finally {
                    await session.close();
                }
            } finally {
                stop.abort();
            }
            return 0;
        },
    };
}

function slotOption(value: string | undefined): Slot | 'all' | undefined {
    if (value === undefined) return undefined;
    if (value === 'a' || value === 'b' || value === 'all') return value;
    throw new CliUsageError(`--slot is a, b or all, not "${value}".`);
}

function lockMethod(session: Session, value: string | undefined): 'flashing' | 'oem' {
    if (value === 'flashing' || value === 'oem') return value;
    if (value !== undefined) throw new CliUsageError(`--method is flashing or oem, not "${value}".`);
    return session.phone?.recipe.unlock.method === 'fastboot-oem-unlock' ? 'oem' : 'flashing';
}

/** After a reboot the virtual phone needs a moment to change mode before its state is saved. */
async function settle(session: Session, from: string): Promise<void> {
    const phone = session.phone;
    if (!phone) return;
    for (let i = 0; i < 40 && phone.mode === from; i++) await new Promise((resolve) => setTimeout(resolve, 25));
}

export const commands: readonly CliCommand[] = [
    fastbootCommand({ name: 'getvar', usage: 'getvar NAME|all', options: {}, positionals: [1, 1], work: async (session, [name], _values, io) => {
        if (name === 'all') {
            for (const [key, value] of await session.client.getVarAll({ signal: io.signal })) io.out(`${key}: ${value}\n`);
        } else {
            io.out(`${name}: ${await session.client.getVar(name ?? '', { signal: io.signal })}\n`);
        }
    } }),
    fastbootCommand({ name: 'flash', usage: 'flash PARTITION FILE [--slot a|b|all]', options: { slot: { type: 'string' } }, positionals: [2, 2], early: ([, file], ctx) => inspectImage(file ?? '', ctx), work: async (session, [partition, file], values, io, { ctx, started }) => {
        await session.client.flash(partition ?? '', { path: file ?? '', inspected: started }, ctx, { slot: slotOption(values['slot']) ?? 'current' });
        io.out(`Flashed ${file} to ${partition}.\n`);
    } }),
    fastbootCommand({ name: 'boot', usage: 'boot FILE', options: {}, positionals: [1, 1], work: async (session, [file], _values, io) => {
        await session.client.boot({ path: file ?? '' }, jobContext(io));
        await settle(session, 'bootloader');
        io.out(`The phone is starting ${file}.\n`);
    } }),
    fastbootCommand({ name: 'erase', usage: 'erase PARTITION [--slot a|b|all]', options: { slot: { type: 'string' } }, positionals: [1, 1], work: async (session, [partition], values, io) => {
        await session.client.erase(partition ?? '', jobContext(io), { slot: slotOption(values['slot']) ?? 'current' });
        io.out(`Erased ${partition}.\n`);
    } }),
    fastbootCommand({ name: 'unlock', usage: 'unlock [--method flashing|oem]', options: { method: { type: 'string' } }, positionals: [0, 0], work: async (session, _p, values, io) => {
        io.err('Confirm on the phone\'s screen with the volume keys and Power. Unlocking erases everything on the phone.\n');
        await session.client.unlock(lockMethod(session, values['method']), jobContext(io));
        io.out('The bootloader is unlocked.\n');
    } }),
    fastbootCommand({ name: 'lock', usage: 'lock [--method flashing|oem]', options: { method: { type: 'string' } }, positionals: [0, 0], work: async (session, _p, values, io) => {
        await session.client.lock(lockMethod(session, values['method']), jobContext(io));
        io.out('The bootloader is locked.\n');
    } }),
    fastbootCommand({ name: 'reboot', usage: 'reboot [bootloader|recovery|fastboot]', options: {}, positionals: [0, 1], check: ([target]) => {
        if (target !== undefined && target !== 'bootloader' && target !== 'recovery' && target !== 'fastboot') throw new CliUsageError(`reboot takes bootloader, recovery or fastboot, not "${target}".`);
    }, work: async (session, [target], _values, io) => {
        await session.client.reboot((target ?? 'system') as RebootTarget, { signal: io.signal });
        if (target !== 'bootloader') await settle(session, 'bootloader');
        io.out(`Rebooting${target ? ` into ${target}` : ''}.\n`);
    } }),
    fastbootCommand({ name: 'set-active', usage: 'set-active a|b', options: {}, positionals: [1, 1], check: ([slot]) => {
        if (slot !== 'a' && slot !== 'b') throw new CliUsageError(`set-active takes a or b, not "${slot}".`);
    }, work: async (session, [slot], _values, io) => {
        if (slot !== 'a' && slot !== 'b') return;
        await session.client.setActive(slot, { signal: io.signal });
        io.out(`Slot ${slot} is active.\n`);
    } }),
];

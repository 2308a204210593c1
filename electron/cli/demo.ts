/**
 * `revive demo`: the whole upgrade, end to end, on a virtual Galaxy S4 inside this process, with
 * demo packages Revive builds and checksums itself. Touches no real phone and no app data.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateIdentity, parseRecipient } from '../../native/backup/age/index.js';
import { generateDemoPackages } from '../../native/integrity/demo-packages.js';
import { requireRecipe } from '../../native/manifests/load.js';
import { openDeviceSession } from '../phone-finding/device-session.js';
import { formatBytes } from '../../common/format-bytes.js';
import type { DeviceRef } from '../jobs/types.js';
import { CliUsageError, type CliCommand, type CliIo } from './command.js';
import { authNotice, runUpgradeInTerminal } from './upgrade.js';

const demo: CliCommand = {
    name: 'demo',
    usage: 'revive demo [--model CODENAME] [--dir DIR] [--rom-mib N] [--json]\n  --model    another phone with a recipe (default ks01ltexx, the Galaxy S4)\n  --dir      where the demo keeps its files (default: a new folder in the temp directory)',
    async run(args: readonly string[], io: CliIo): Promise<number> {
        const { values } = parseArgs({
            args: [...args],
            options: {
                model: { type: 'string', default: 'ks01ltexx' },
                dir: { type: 'string' },
                'rom-mib': { type: 'string', default: '4' },
                json: { type: 'boolean', default: false },
            },
            strict: true,
            allowPositionals: false,
        });
        const romMib = Number(values['rom-mib']);
        if (!Number.isFinite(romMib) || romMib <= 0 || romMib > 512) throw new CliUsageError('--rom-mib takes a size between 1 and 512.');
        const recipe = requireRecipe(values.model ?? 'ks01ltexx');
        const json = values.json ?? false;
        const dir = values.dir ?? (await mkdtemp(join(tmpdir(), 'revive-demo-')));
        const say = (text: string): void => {
            if (!json) io.out(text);
        };
        say(
            [
                '',
                `Revive demo: upgrading a virtual ${recipe.name} (${recipe.id}).`,
                '',
                'The phone lives inside this program. It speaks the same USB protocols as the real one',
                `(${recipe.method === 'odin' ? 'Odin download mode' : 'fastboot'}, adb and TWRP), so Revive does exactly what it would do with a real phone.`,
                'The packages are DEMO files Revive makes for the occasion: shaped like real ones, but empty inside.',
                'Questions that a person would answer are answered "yes" for you, and the virtual owner presses the keys.',
                `Everything the demo makes stays in ${dir}.`,
                '',
            ].join('\n'),
        );
        const packages = await generateDemoPackages(join(dir, 'packages'), recipe, { romBytes: Math.round(romMib * 1024 * 1024) });
        say(`Demo packages (each with a .sha256 file next to it):\n  ${[packages.recovery, packages.rom, packages.gapps, packages.su].map((p) => p.slice(dir.length + 1)).join('\n  ')}\n  The ROM is ${formatBytes(romMib * 1024 * 1024)} of demo bytes; it installs LineageOS ${packages.lineageVersion} (Android ${packages.androidVersion}) on the virtual phone only.\n\n`);
        const device: DeviceRef = { kind: 'virtual', codename: recipe.id, stateDir: join(dir, 'phone') };
        const session = await openDeviceSession(device, { signal: io.signal, linkOptions: authNotice(io, json) });
        // The virtual phone's demo backup is locked for a key that lives only in this process: it is written and read back, and
        // nothing that opens it is kept (an upgrade of a real phone asks for a passphrase or a recipient instead).
        const demoKey = generateIdentity();
        const backupKeys = { recipients: [{ kind: 'x25519' as const, publicKey: parseRecipient(demoKey.recipient) }], verifyWith: [{ kind: 'x25519' as const, secretKey: demoKey.secretKey }] };
        return runUpgradeInTerminal(
            { device, files: { recovery: packages.recovery, rom: packages.rom, gapps: packages.gapps, su: packages.su }, backupTo: join(dir, 'backup'), backupKeys, home: join(dir, 'home') },
            session,
            io,
            {
                json,
                assumeYes: true,
                assumeYesReason: 'answered by the demo',
                waitTimeoutMs: 60_000,
                onDone: () =>
                    say(`The virtual phone's state (partitions, installed packages) is in ${join(dir, 'phone')}; state.json lists what it installed.\nTo do this with a real phone: revive upgrade --device SERIAL --recovery twrp.img --rom lineage.zip --gapps gapps.zip --su addonsu.zip\n`),
            },
        );
    },
};

export const commands: readonly CliCommand[] = [demo];

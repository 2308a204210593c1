/** `revive vpn …`: WireGuard profiles for the phone. */
import QRCode from 'qrcode';
import { vpnPushPlan } from '../jobs/panels/push.js';
import { createVpnJob } from '../jobs/panels/vpn.js';
import { readLimitedText, unreadableAs } from '../../native/files/read-limited.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { qrPng } from '../../native/panels/qr.js';
import { writePrivateFile } from '../../native/jobs/private-files.js';
import { pushToPhone } from './keys.js';
import { CliUsageError, parseCliArgs, type CliCommand } from './command.js';
import { DEVICE_USAGE, deviceOptions } from './device-options.js';

/** A WireGuard profile is a few hundred bytes, a few KiB with many peers. */
const WIREGUARD_CONFIG_MAX_BYTES = 64 * 1024;

async function readConfig(file: string): Promise<string> {
    return unreadableAs(readLimitedText(file, { what: 'wireguard-config', maxBytes: WIREGUARD_CONFIG_MAX_BYTES }), (cause) => ReviveError.of('cli-file-unreadable', { variant: 'wireguard', file }, { cause }));
}

const list = (values: readonly string[] | undefined): string[] => (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);

export const commands: readonly CliCommand[] = [
    {
        name: 'vpn create',
        usage: 'revive vpn create --name NAME --address 10.8.0.2/32[,…] --server-key BASE64 --endpoint HOST:PORT [--dns IP[,…]] [--allowed-ips CIDR[,…]] [--keepalive SECONDS] [--out DIR]',
        async run(args, io) {
            const { values } = parseCliArgs({
                args: [...args],
                options: {
                    name: { type: 'string' }, address: { type: 'string', multiple: true }, 'server-key': { type: 'string' }, endpoint: { type: 'string' },
                    dns: { type: 'string', multiple: true }, 'allowed-ips': { type: 'string', multiple: true }, keepalive: { type: 'string' }, out: { type: 'string' },
                },
                strict: true,
            });
            if (!values.name || !values.address || !values['server-key'] || !values.endpoint) throw new CliUsageError('--name, --address, --server-key and --endpoint are needed.');
            const keepalive = values.keepalive === undefined ? undefined : Number(values.keepalive);
            const result = await createVpnJob(
                {
                    name: values.name, addresses: list(values.address), dns: list(values.dns), serverPublicKey: values['server-key'], endpoint: values.endpoint,
                    allowedIps: list(values['allowed-ips']), persistentKeepalive: keepalive, outDir: values.out ?? '.',
                },
                { signal: io.signal },
            );
            io.out(`Phone config: ${result.files.config} (contains the phone's private key; readable only by you)\nQR code:      ${result.files.qr} (scan it in the WireGuard app: + → Scan from QR code)\n`);
            // The preshared key is a secret: it stays in the 0600 file (terminals keep scrollback and logs).
            const shown = result.serverPeerBlock.replace(/^PresharedKey = .*$/m, `PresharedKey = (in ${result.files.serverPeer})`);
            io.out(`Phone public key: ${result.publicKey}\n\nAdd the [Peer] block in ${result.files.serverPeer} to the server's WireGuard config:\n\n${shown}`);
            return 0;
        },
    },
    {
        name: 'vpn qr',
        usage: 'revive vpn qr FILE.conf [--png OUT.png]',
        async run(args, io) {
            const { values, positionals } = parseCliArgs({ args: [...args], options: { png: { type: 'string' } }, allowPositionals: true, strict: true });
            const file = positionals[0];
            if (!file || positionals.length > 1) throw new CliUsageError('Give one .conf file.');
            const text = await readConfig(file);
            if (!/^\[Interface\]/m.test(text)) throw new CliUsageError(`${file} is not a WireGuard configuration (no [Interface] section).`);
            if (values.png) {
                await writePrivateFile(values.png, await qrPng(text));
                io.out(`Saved ${values.png} (it contains the private key: readable only by you).\n`);
            } else {
                io.out(await QRCode.toString([{ data: Buffer.from(text, 'utf8'), mode: 'byte' }], { type: 'utf8', errorCorrectionLevel: 'M' }));
            }
            return 0;
        },
    },
    {
        name: 'vpn push',
        usage: `revive vpn push FILE.conf ${DEVICE_USAGE}`,
        async run(args, io) {
            const { values, positionals } = parseCliArgs({ args: [...args], options: { ...deviceOptions }, allowPositionals: true, strict: true });
            const file = positionals[0];
            if (!file || positionals.length > 1) throw new CliUsageError('Give one .conf file.');
            if (!/^\[Interface\]/m.test(await readConfig(file))) throw new CliUsageError(`${file} is not a WireGuard configuration (no [Interface] section).`);
            const status = await pushToPhone(io, values, vpnPushPlan(file));
            io.out('In the WireGuard app: + → Import from file or archive, and pick the file in Download.\n');
            io.out('The file holds the phone\'s private key and sits in shared storage, where apps with storage access can read it: delete it once imported (or scan the QR code from `revive vpn qr` instead).\n');
            return status;
        },
    },
];

/** WireGuard panel job: the phone's profile, the server's [Peer] block and the QR image, saved 0600. */
import { join } from 'node:path';
import { qrPng } from '../../../native/panels/qr.js';
import { writePrivateFile } from '../../../native/jobs/private-files.js';
import { createWireGuardProfile, type WireGuardProfileOptions } from '../../../native/panels/wireguard.js';
import { runPanelJob, type PanelJobOptions } from './job.js';

export interface VpnFiles {
    /** `wg-<name>.conf`: what the phone imports (contains its private key). */
    readonly config: string;
    /** `wg-<name>.server-peer.conf`: append to the server's wg config. */
    readonly serverPeer: string;
    /** `wg-<name>.png`: the same configuration as a QR code (contains the private key too). */
    readonly qr: string;
}

export interface CreateVpnResult {
    readonly jobId: string;
    readonly name: string;
    readonly publicKey: string;
    readonly serverPeerBlock: string;
    /** Where `revive vpn push` / the push job puts the config on the phone. */
    readonly phonePath: string;
    readonly files: VpnFiles;
}

export async function createVpnJob(input: WireGuardProfileOptions & { readonly outDir: string }, options: PanelJobOptions = {}): Promise<CreateVpnResult> {
    return runPanelJob('vpn-create', { name: input.name, endpoint: input.endpoint, outDir: input.outDir }, options, async (job) => {
        const profile = await job.step('generate', 'Create the phone\'s WireGuard keys and configuration', async () => {
            const value = createWireGuardProfile(input);
            return { value, detail: `Created tunnel ${value.name}; the phone's public key is ${value.keyPair.publicKey}.`, data: { name: value.name, phonePublicKey: value.keyPair.publicKey } };
        });
        const files: VpnFiles = {
            config: join(input.outDir, profile.fileName),
            serverPeer: join(input.outDir, `wg-${profile.name}.server-peer.conf`),
            qr: join(input.outDir, `wg-${profile.name}.png`),
        };
        await job.step('save', 'Save the configuration, the server block and the QR code', async () => {
            await writePrivateFile(files.config, profile.config);
            await writePrivateFile(files.serverPeer, profile.serverPeerBlock);
            await writePrivateFile(files.qr, await qrPng(profile.config));
            return { value: undefined, detail: `Saved ${files.config}, ${files.serverPeer} and ${files.qr} (readable only by you).`, data: { ...files } };
        });
        return { jobId: job.jobId, name: profile.name, publicKey: profile.keyPair.publicKey, serverPeerBlock: profile.serverPeerBlock, phonePath: profile.phonePath, files };
    }, (r) => `WireGuard profile ${r.name} saved at ${r.files.config}.`);
}

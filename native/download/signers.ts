/** The trust anchors of downloads (resources/keys/signers.json): who signs, and how to recognise them. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { resourcePath } from '../resources.js';
import type { Signer } from '../manifests/schema.js';

const hex = (digits: number) => z.string().regex(new RegExp(`^[0-9a-f]{${digits}}$`));

export const OpenPgpSigner = z.object({
    kind: z.literal('openpgp'),
    name: z.string(),
    /** The primary key's fingerprint (v4: 40 hex digits). */
    fingerprint: hex(40),
    /** Where the publisher serves the key; it is used only when its fingerprint matches. */
    keyUrl: z.string().regex(/^https:\/\//),
});

export const PackageSigner = z.object({
    kind: z.literal('android-package'),
    name: z.string(),
    certificateSha256: hex(64).optional(),
    publicKeySha256: hex(64).optional(),
});

export const Signers = z.object({ twrp: OpenPgpSigner, lineageos: PackageSigner });
export type Signers = z.infer<typeof Signers>;
export type OpenPgpSigner = z.infer<typeof OpenPgpSigner>;
export type PackageSigner = z.infer<typeof PackageSigner>;
export type AnySigner = OpenPgpSigner | PackageSigner;

let shipped: Signers | undefined;

export function loadSigners(): Signers {
    shipped ??= Signers.parse(JSON.parse(readFileSync(resourcePath('keys', 'signers.json'), 'utf8')));
    return shipped;
}

export function signerOf(signers: Signers, name: Signer): AnySigner {
    return signers[name];
}

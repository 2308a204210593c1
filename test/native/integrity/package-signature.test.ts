import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyPackageSignature } from '../../../native/integrity/package-signature.js';
import { loadSigners } from '../../../native/download/signers.js';
import { makeTestSigner, makeZip, signPackage } from '../../support/signed-package.js';

const dir = mkdtempSync(join(tmpdir(), 'revive-pkgsig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const signer = makeTestSigner(dir, 'release');
const other = makeTestSigner(dir, 'other');
const anchor = { name: 'test release key', certificateSha256: signer.certificateSha256 };

async function signedFile(name: string, digest: 'sha1' | 'sha256' = 'sha256', by = signer): Promise<string> {
    const zip = await makeZip({ 'META-INF/com/google/android/update-binary': '#!/sbin/sh\n', 'system/build.prop': 'ro.build.version.release=8.1.0\n' });
    const path = join(dir, name);
    writeFileSync(path, signPackage(zip, by, dir, digest));
    return path;
}

describe('whole-file package signature (as recovery and update_verifier check it)', () => {
    it('accepts a package signed by the pinned certificate, with SHA-256 or SHA-1', async () => {
        await expect(verifyPackageSignature(await signedFile('ok256.zip'), anchor)).resolves.toMatchObject({ digest: 'sha256', certificateSha256: signer.certificateSha256 });
        await expect(verifyPackageSignature(await signedFile('ok1.zip', 'sha1'), anchor)).resolves.toMatchObject({ digest: 'sha1' });
    });

    it('accepts a signer pinned by its public key alone', async () => {
        await expect(verifyPackageSignature(await signedFile('bykey.zip'), { name: 'k', publicKeySha256: signer.publicKeySha256 })).resolves.toBeTruthy();
    });

    it('refuses a package changed after signing, naming the signer', async () => {
        const path = await signedFile('changed.zip');
        const { readFileSync } = await import('node:fs');
        const bytes = readFileSync(path);
        bytes[40] = (bytes[40] ?? 0) ^ 0xff;
        writeFileSync(path, bytes);
        await expect(verifyPackageSignature(path, anchor)).rejects.toThrow(/does not carry a valid signature of the test release key: the signature does not match the file/);
    });

    it('refuses a package signed by another key, and an unsigned zip', async () => {
        await expect(verifyPackageSignature(await signedFile('other.zip', 'sha256', other), anchor)).rejects.toThrow(/signed by another key \(CN=Revive other release key\)/);
        const unsigned = join(dir, 'unsigned.zip');
        writeFileSync(unsigned, await makeZip({ a: 'b' }));
        await expect(verifyPackageSignature(unsigned, anchor)).rejects.toThrow(/no signature footer/);
    });

    it('refuses a second end-of-directory hidden in the comment', async () => {
        const path = await signedFile('twoeocd.zip');
        const { readFileSync } = await import('node:fs');
        const bytes = readFileSync(path);
        // Overwrite 4 bytes of the signature block with the EOCD magic.
        bytes.set([0x50, 0x4b, 0x05, 0x06], bytes.length - 40);
        writeFileSync(path, bytes);
        await expect(verifyPackageSignature(path, anchor)).rejects.toThrow(/second directory end/);
    });

    it('the shipped LineageOS anchor is pinned and refuses a package signed with a test key', async () => {
        const lineage = loadSigners().lineageos;
        expect(lineage.certificateSha256).toBe('518325ef7f96c0d1194c2e856b040d636166ffb846717d72fa87f4fae5be7bbb');
        await expect(verifyPackageSignature(await signedFile('notlineage.zip'), lineage)).rejects.toThrow(/LineageOS release key: it is signed by another key/);
    });
});

/**
 * Android-style whole-file signed packages for tests, signed with a throwaway key in the format
 * signapk writes: a detached CMS SignedData (no signed attributes, the signer's certificate inside)
 * over the zip up to its comment length, placed in the zip comment with the 6-byte footer.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yazl from 'yazl';

export interface TestSigner {
    readonly keyPath: string;
    readonly certPath: string;
    readonly certificateSha256: string;
    readonly publicKeySha256: string;
}

/** A fresh RSA key and self-signed certificate (openssl, as the Android build's make_key does). */
export function makeTestSigner(dir: string, name = 'test'): TestSigner {
    const keyPath = join(dir, `${name}.key.pem`);
    const certPath = join(dir, `${name}.x509.pem`);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=Revive ${name} release key`, '-keyout', keyPath, '-out', certPath], { stdio: 'ignore' });
    const cert = new X509Certificate(readFileSync(certPath));
    const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
    return { keyPath, certPath, certificateSha256: sha(cert.raw), publicKeySha256: sha(cert.publicKey.export({ type: 'spki', format: 'der' })) };
}

/** A small zip (yazl leaves the comment empty: the file ends with its 22-byte EOCD). */
export async function makeZip(entries: Record<string, string>): Promise<Buffer> {
    const zip = new yazl.ZipFile();
    for (const [name, text] of Object.entries(entries)) zip.addBuffer(Buffer.from(text), name, { mtime: new Date('2024-01-01T00:00:00Z') });
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
}

/** Sign `zip` (comment empty) the way signapk signs an OTA package, and return the signed bytes. */
export function signPackage(zip: Buffer, signer: TestSigner, dir: string, digest: 'sha1' | 'sha256' = 'sha256'): Buffer {
    if (zip.readUInt16LE(zip.length - 2) !== 0) throw new Error('the zip already has a comment');
    const message = zip.subarray(0, zip.length - 2);
    const messagePath = join(dir, 'message.bin');
    writeFileSync(messagePath, message);
    const signature = execFileSync('openssl', ['cms', '-sign', '-binary', '-noattr', '-nosmimecap', '-md', digest, '-outform', 'DER', '-in', messagePath, '-signer', signer.certPath, '-inkey', signer.keyPath]);
    const commentLength = signature.length + 6;
    const footer = Buffer.alloc(6);
    footer.writeUInt16LE(commentLength, 0);
    footer[2] = 0xff;
    footer[3] = 0xff;
    footer.writeUInt16LE(commentLength, 4);
    const length = Buffer.alloc(2);
    length.writeUInt16LE(commentLength, 0);
    return Buffer.concat([message, length, signature, footer]);
}

/**
 * The whole-file signature of an Android OTA package, checked as a phone's recovery (and LineageOS'
 * update_verifier) checks it. The signature hides in the zip comment:
 *
 *   … zip … | EOCD (22 bytes, the last 2 = comment length) | CMS SignedData (DER) | footer (6 bytes)
 *   footer = signature start, counted from the end (u16 LE) | 0xFF 0xFF | comment length (u16 LE)
 *
 * The signed bytes are the whole file up to, not including, the EOCD's comment-length field. The
 * SignedData carries the signer's certificate and an RSA (or ECDSA) signature over those bytes with
 * SHA-1 or SHA-256 and no signed attributes.
 */
import { createHash, createVerify, X509Certificate } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { ReviveError } from '../jobs/errors.js';

export interface PackageSignerAnchor {
    /** Shown in messages, e.g. "LineageOS release key". */
    readonly name: string;
    /** SHA-256 of the signer's X.509 certificate (DER), lowercase hex. */
    readonly certificateSha256?: string | undefined;
    /** SHA-256 of the signer's public key (DER SubjectPublicKeyInfo), lowercase hex. */
    readonly publicKeySha256?: string | undefined;
}

export interface PackageSignature {
    readonly signer: string;
    readonly digest: 'sha1' | 'sha256';
    readonly certificateSha256: string;
}

const FOOTER_BYTES = 6;
const EOCD_BYTES = 22;
const EOCD_MAGIC = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const DIGESTS: Readonly<Record<string, 'sha1' | 'sha256'>> = { '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.1': 'sha256' };

interface Der {
    readonly tag: number;
    /** The whole element, header included. */
    readonly raw: Buffer;
    readonly content: Buffer;
}

/** Read one DER element at `offset` (definite lengths only, as DER requires). */
function readDer(buffer: Buffer, offset: number): Der {
    const tag = buffer[offset];
    let lengthByte = buffer[offset + 1];
    if (tag === undefined || lengthByte === undefined) throw new Error('truncated DER');
    let length = lengthByte;
    let header = 2;
    if (lengthByte & 0x80) {
        const count = lengthByte & 0x7f;
        if (count === 0 || count > 4) throw new Error('unsupported DER length');
        length = 0;
        for (let i = 0; i < count; i++) {
            lengthByte = buffer[offset + 2 + i];
            if (lengthByte === undefined) throw new Error('truncated DER');
            length = length * 256 + lengthByte;
        }
        header += count;
    }
    const end = offset + header + length;
    if (end > buffer.length) throw new Error('truncated DER');
    return { tag, raw: buffer.subarray(offset, end), content: buffer.subarray(offset + header, end) };
}

function children(element: Der): Der[] {
    const out: Der[] = [];
    for (let offset = 0; offset < element.content.length; ) {
        const child = readDer(element.content, offset);
        out.push(child);
        offset += child.raw.length;
    }
    return out;
}

function oid(element: Der | undefined): string {
    if (!element || element.tag !== 0x06) throw new Error('expected an OID');
    const bytes = element.content;
    const first = bytes[0] ?? 0;
    const parts = [Math.floor(first / 40), first % 40];
    let value = 0;
    for (const byte of bytes.subarray(1)) {
        value = value * 128 + (byte & 0x7f);
        if (!(byte & 0x80)) {
            parts.push(value);
            value = 0;
        }
    }
    return parts.join('.');
}

interface SignedData {
    readonly certificates: Buffer[];
    readonly digest: 'sha1' | 'sha256';
    readonly signature: Buffer;
}

/** ContentInfo → SignedData → its certificates and the first SignerInfo's digest and signature. */
function parseSignedData(der: Buffer): SignedData {
    const contentInfo = readDer(der, 0);
    const [type, explicit] = children(contentInfo);
    if (oid(type) !== '1.2.840.113549.1.7.2' || !explicit || explicit.tag !== 0xa0) throw new Error('not a CMS SignedData');
    const [signedData] = children(explicit);
    if (!signedData) throw new Error('empty SignedData');
    const fields = children(signedData);
    const certificates = fields.find((f) => f.tag === 0xa0);
    const signerInfos = fields[fields.length - 1];
    if (!signerInfos || signerInfos.tag !== 0x31) throw new Error('no SignerInfos');
    const [signerInfo] = children(signerInfos);
    if (!signerInfo) throw new Error('no SignerInfo');
    const info = children(signerInfo);
    // version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, signature
    const digestAlgorithm = info[2];
    if (info[3]?.tag === 0xa0) throw new Error('signed attributes are not used by Android packages');
    const signature = info[4];
    const digest = DIGESTS[oid(digestAlgorithm ? children(digestAlgorithm)[0] : undefined)];
    if (!digest) throw new Error('unsupported digest algorithm');
    if (!signature || signature.tag !== 0x04) throw new Error('no signature value');
    return { certificates: certificates ? children(certificates).map((c) => Buffer.from(c.raw)) : [], digest, signature: Buffer.from(signature.content) };
}

function refuse(file: string, anchor: PackageSignerAnchor, found: string, error?: unknown): ReviveError {
    return new ReviveError(
        {
            code: 'package-signature-invalid',
            message: `${basename(file)} does not carry a valid signature of the ${anchor.name}: ${found}. The phone's recovery would refuse it, and it may have been changed.`,
            nextStep: 'Do not use this file. Download it again from its official page.',
            details: { file, expected: `a whole-file signature by the ${anchor.name}`, found },
        },
        error === undefined ? undefined : { cause: error },
    );
}

/** The signed length and the DER signature block, after the same sanity checks as recovery's. */
async function readSignatureBlock(path: string): Promise<{ signedLength: number; block: Buffer } | string> {
    const handle = await open(path, 'r');
    try {
        const { size } = await handle.stat();
        if (size < EOCD_BYTES + FOOTER_BYTES) return 'the file is too short to be a signed package';
        const footer = Buffer.alloc(FOOTER_BYTES);
        await handle.read(footer, 0, FOOTER_BYTES, size - FOOTER_BYTES);
        if (footer[2] !== 0xff || footer[3] !== 0xff) return 'no signature footer at the end of the zip';
        const signatureStart = footer.readUInt16LE(0);
        const commentSize = footer.readUInt16LE(4);
        const eocdSize = commentSize + EOCD_BYTES;
        if (signatureStart > commentSize || signatureStart <= FOOTER_BYTES) return 'the signature footer points outside the zip comment';
        if (size < eocdSize) return 'the zip comment is longer than the file';
        const eocd = Buffer.alloc(eocdSize);
        await handle.read(eocd, 0, eocdSize, size - eocdSize);
        if (!eocd.subarray(0, 4).equals(EOCD_MAGIC)) return 'the zip directory end is not where the comment length says';
        // A second end-of-directory inside the comment could make a zip reader see other contents.
        if (eocd.indexOf(EOCD_MAGIC, 1) !== -1) return 'the zip comment contains a second directory end';
        const block = Buffer.from(eocd.subarray(eocdSize - signatureStart, eocdSize - FOOTER_BYTES));
        return { signedLength: size - eocdSize + EOCD_BYTES - 2, block };
    } finally {
        await handle.close();
    }
}

const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Check the package's whole-file signature against `anchor`: its certificate (or public key) must be
 * the pinned one and the signature must cover the file. Returns what was proven; throws a refusal.
 */
export async function verifyPackageSignature(path: string, anchor: PackageSignerAnchor): Promise<PackageSignature> {
    const located = await readSignatureBlock(path);
    if (typeof located === 'string') throw refuse(path, anchor, located);
    let signed: SignedData;
    try {
        signed = parseSignedData(located.block);
    } catch (error) {
        throw refuse(path, anchor, `its signature block cannot be read (${error instanceof Error ? error.message : String(error)})`, error);
    }
    const certificate = signed.certificates
        .map((der) => ({ der, x509: new X509Certificate(der) }))
        .find(({ der, x509 }) => sha256Hex(der) === anchor.certificateSha256 || sha256Hex(x509.publicKey.export({ type: 'spki', format: 'der' })) === anchor.publicKeySha256);
    if (!certificate) {
        const subjects = signed.certificates.map((der) => new X509Certificate(der).subject.replace(/\n/g, ', ')).join('; ');
        throw refuse(path, anchor, `it is signed by another key (${subjects || 'no certificate'})`);
    }
    const verifier = createVerify(signed.digest);
    if (located.signedLength > 0) {
        for await (const chunk of createReadStream(path, { start: 0, end: located.signedLength - 1, highWaterMark: 1 << 20 })) verifier.update(chunk as Buffer);
    }
    if (!verifier.verify(certificate.x509.publicKey, signed.signature)) throw refuse(path, anchor, 'the signature does not match the file');
    return { signer: anchor.name, digest: signed.digest, certificateSha256: sha256Hex(certificate.der) };
}

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
import type { FactsOf } from '../../common/error-codes.js';
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
    if (tag === undefined || lengthByte === undefined) throw blockError('truncated');
    let length = lengthByte;
    let header = 2;
    if (lengthByte & 0x80) {
        const count = lengthByte & 0x7f;
        if (count === 0 || count > 4) throw blockError('length');
        length = 0;
        for (let i = 0; i < count; i++) {
            lengthByte = buffer[offset + 2 + i];
            if (lengthByte === undefined) throw blockError('truncated');
            length = length * 256 + lengthByte;
        }
        header += count;
    }
    const end = offset + header + length;
    if (end > buffer.length) throw blockError('truncated');
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
    if (!element || element.tag !== 0x06) throw blockError('oid');
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
    if (oid(type) !== '1.2.840.113549.1.7.2' || !explicit || explicit.tag !== 0xa0) throw blockError('not-signed-data');
    const [signedData] = children(explicit);
    if (!signedData) throw blockError('empty');
    const fields = children(signedData);
    const certificates = fields.find((f) => f.tag === 0xa0);
    const signerInfos = fields[fields.length - 1];
    if (!signerInfos || signerInfos.tag !== 0x31) throw blockError('no-signer-infos');
    const [signerInfo] = children(signerInfos);
    if (!signerInfo) throw blockError('no-signer-info');
    const info = children(signerInfo);
    // version, sid, digestAlgorithm, [0] signedAttrs?, signatureAlgorithm, signature
    const digestAlgorithm = info[2];
    if (info[3]?.tag === 0xa0) throw blockError('signed-attributes');
    const signature = info[4];
    const digest = DIGESTS[oid(digestAlgorithm ? children(digestAlgorithm)[0] : undefined)];
    if (!digest) throw blockError('digest');
    if (!signature || signature.tag !== 0x04) throw blockError('no-signature');
    return { certificates: certificates ? children(certificates).map((c) => Buffer.from(c.raw)) : [], digest, signature: Buffer.from(signature.content) };
}

/** What is wrong with a package's signature, and the facts that say more (`errorFacts.signatureProblems`). */
type Refusal = Pick<FactsOf<'package-signature-invalid'>, 'problem' | 'block' | 'subjects'>;
type SignatureProblem = 'too-short' | 'no-footer' | 'footer-outside' | 'comment-too-long' | 'eocd-misplaced' | 'second-eocd';

function refuse(file: string, anchor: PackageSignerAnchor, problem: Refusal, error?: unknown): ReviveError {
    return ReviveError.of('package-signature-invalid', { file: basename(file), path: file, signer: anchor.name, ...problem }, error === undefined ? undefined : { cause: error });
}

/** A signature block (DER) that does not parse: a format error, named by what is wrong. */
function blockError(variant: FactsOf<'signature-block-invalid'>['variant']): ReviveError {
    return ReviveError.of('signature-block-invalid', { variant });
}

/** The signed length and the DER signature block, after the same sanity checks as recovery's. */
async function readSignatureBlock(path: string): Promise<{ signedLength: number; block: Buffer } | SignatureProblem> {
    const handle = await open(path, 'r');
    try {
        const { size } = await handle.stat();
        if (size < EOCD_BYTES + FOOTER_BYTES) return 'too-short';
        const footer = Buffer.alloc(FOOTER_BYTES);
        await handle.read(footer, 0, FOOTER_BYTES, size - FOOTER_BYTES);
        if (footer[2] !== 0xff || footer[3] !== 0xff) return 'no-footer';
        const signatureStart = footer.readUInt16LE(0);
        const commentSize = footer.readUInt16LE(4);
        const eocdSize = commentSize + EOCD_BYTES;
        if (signatureStart > commentSize || signatureStart <= FOOTER_BYTES) return 'footer-outside';
        if (size < eocdSize) return 'comment-too-long';
        const eocd = Buffer.alloc(eocdSize);
        await handle.read(eocd, 0, eocdSize, size - eocdSize);
        if (!eocd.subarray(0, 4).equals(EOCD_MAGIC)) return 'eocd-misplaced';
        // A second end-of-directory inside the comment could make a zip reader see other contents.
        if (eocd.indexOf(EOCD_MAGIC, 1) !== -1) return 'second-eocd';
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
    if (typeof located === 'string') throw refuse(path, anchor, { problem: located });
    let signed: SignedData;
    try {
        signed = parseSignedData(located.block);
    } catch (error) {
        const block = error instanceof ReviveError && error.code === 'signature-block-invalid' ? String(error.facts['variant']) : 'unreadable';
        throw refuse(path, anchor, { problem: 'block', block }, error);
    }
    const certificate = signed.certificates
        .map((der) => ({ der, x509: new X509Certificate(der) }))
        .find(({ der, x509 }) => sha256Hex(der) === anchor.certificateSha256 || sha256Hex(x509.publicKey.export({ type: 'spki', format: 'der' })) === anchor.publicKeySha256);
    if (!certificate) {
        const subjects = signed.certificates.map((der) => new X509Certificate(der).subject.replace(/\n/g, ', ')).join('; ');
        throw refuse(path, anchor, subjects ? { problem: 'other-key', subjects } : { problem: 'no-certificate' });
    }
    const verifier = createVerify(signed.digest);
    if (located.signedLength > 0) {
        for await (const chunk of createReadStream(path, { start: 0, end: located.signedLength - 1, highWaterMark: 1 << 20 })) verifier.update(chunk as Buffer);
    }
    if (!verifier.verify(certificate.x509.publicKey, signed.signature)) throw refuse(path, anchor, { problem: 'mismatch' });
    return { signer: anchor.name, digest: signed.digest, certificateSha256: sha256Hex(certificate.der) };
}

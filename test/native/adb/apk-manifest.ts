/**
 * Hand-made test APKs: a binary (AXML) AndroidManifest.xml as APKs carry it, reduced to
 * `<manifest package="…">` (what a package manager reads to name the app), and the signature's shape.
 */
import yazl from 'yazl';

/** The binary manifest of a package. */
export function axmlManifest(packageName: string): Buffer {
    const strings = ['manifest', 'package', packageName];
    const encoded = strings.map((s) => {
        const b = Buffer.alloc(2 + s.length * 2 + 2);
        b.writeUInt16LE(s.length, 0);
        for (let i = 0; i < s.length; i++) b.writeUInt16LE(s.charCodeAt(i), 2 + i * 2);
        return b;
    });
    let body = Buffer.concat(encoded);
    body = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const offsets = Buffer.alloc(strings.length * 4);
    let at = 0;
    encoded.forEach((b, i) => {
        offsets.writeUInt32LE(at, i * 4);
        at += b.length;
    });
    const poolHeader = Buffer.alloc(28);
    poolHeader.writeUInt16LE(0x0001, 0);
    poolHeader.writeUInt16LE(28, 2);
    poolHeader.writeUInt32LE(28 + offsets.length + body.length, 4);
    poolHeader.writeUInt32LE(strings.length, 8);
    poolHeader.writeUInt32LE(0, 12);
    poolHeader.writeUInt32LE(0, 16); // UTF-16
    poolHeader.writeUInt32LE(28 + offsets.length, 20);
    poolHeader.writeUInt32LE(0, 24);
    const pool = Buffer.concat([poolHeader, offsets, body]);
    const element = Buffer.alloc(16 + 20 + 20);
    element.writeUInt16LE(0x0102, 0);
    element.writeUInt16LE(16, 2);
    element.writeUInt32LE(element.length, 4);
    element.writeUInt32LE(1, 8);
    element.writeUInt32LE(0xffffffff, 12);
    element.writeUInt32LE(0xffffffff, 16); // namespace
    element.writeUInt32LE(0, 20); // name: manifest
    element.writeUInt16LE(20, 24); // attributeStart
    element.writeUInt16LE(20, 26); // attributeSize
    element.writeUInt16LE(1, 28); // attributeCount
    element.writeUInt32LE(0xffffffff, 36); // attribute namespace
    element.writeUInt32LE(1, 40); // attribute name: package
    element.writeUInt32LE(2, 44); // raw value
    element.writeUInt16LE(8, 48);
    element.writeUInt8(0x03, 51); // TYPE_STRING
    element.writeUInt32LE(2, 52);
    const header = Buffer.alloc(8);
    header.writeUInt16LE(0x0003, 0);
    header.writeUInt16LE(8, 2);
    header.writeUInt32LE(8 + pool.length + element.length, 4);
    return Buffer.concat([header, pool, element]);
}

/** The files a v1 (JAR) signature adds to an APK: enough for the shape checks, not a real signature. */
export const V1_SIGNATURE_FILES: Readonly<Record<string, Buffer>> = {
    'META-INF/MANIFEST.MF': Buffer.from('Manifest-Version: 1.0\r\nCreated-By: revive tests\r\n\r\n'),
    'META-INF/CERT.SF': Buffer.from('Signature-Version: 1.0\r\n\r\n'),
    'META-INF/CERT.RSA': Buffer.from([0x30, 0x82, 0x01, 0x00]),
};

/** A zip of these entries, as bytes (yazl, no comment). */
export async function zipBytes(entries: Readonly<Record<string, Buffer>>): Promise<Buffer> {
    const zip = new yazl.ZipFile();
    for (const [name, data] of Object.entries(entries)) zip.addBuffer(data, name);
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
}

/** An APK-shaped zip: the binary manifest, a v1 signature's files and the given extras. */
export function apkBytes(packageName: string, extra: Readonly<Record<string, Buffer>> = {}): Promise<Buffer> {
    return zipBytes({ 'AndroidManifest.xml': axmlManifest(packageName), ...V1_SIGNATURE_FILES, ...extra });
}

/**
 * The same zip with an APK Signing Block (v2/v3 scheme) put right before its central directory,
 * as apksigner does: size, one id-value pair, size again, then the magic.
 */
export function withSigningBlock(zip: Buffer): Buffer {
    const eocd = zip.length - 22;
    const cdOffset = zip.readUInt32LE(eocd + 16);
    const pair = Buffer.alloc(8 + 4 + 16);
    pair.writeBigUInt64LE(BigInt(4 + 16), 0);
    pair.writeUInt32LE(0x7109871a, 8);
    const size = BigInt(pair.length + 8 + 16);
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(size);
    const block = Buffer.concat([head, pair, head, Buffer.from('APK Sig Block 42')]);
    const out = Buffer.concat([zip.subarray(0, cdOffset), block, zip.subarray(cdOffset)]);
    out.writeUInt32LE(cdOffset + block.length, eocd + block.length + 16);
    return out;
}

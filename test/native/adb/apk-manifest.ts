/**
 * A binary (AXML) AndroidManifest.xml as APKs carry it, reduced to `<manifest package="…">`:
 * what a package manager reads to name the app. For hand-made test APKs.
 */
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

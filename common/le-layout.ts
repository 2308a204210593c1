/**
 * A fixed binary layout declared once, as a table of field offsets and widths (little-endian), from
 * which both the encoder and the decoder come: a field cannot be written at one offset and read at
 * another.
 */
export type FieldWidth = 'u16' | 'u32';
export type Layout = Readonly<Record<string, readonly [offset: number, width: FieldWidth]>>;
export type LayoutValues<L extends Layout> = { [K in keyof L]: number };

export function decodeLayout<L extends Layout>(layout: L, bytes: Uint8Array): LayoutValues<L> {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const out: Record<string, number> = {};
    for (const [name, [offset, width]] of Object.entries(layout)) out[name] = width === 'u16' ? view.getUint16(offset, true) : view.getUint32(offset, true);
    return out as LayoutValues<L>;
}

export function encodeLayout<L extends Layout>(layout: L, size: number, values: LayoutValues<L>): Uint8Array {
    const bytes = new Uint8Array(size);
    const view = new DataView(bytes.buffer);
    for (const [name, [offset, width]] of Object.entries(layout)) {
        const value = values[name] ?? 0;
        if (width === 'u16') view.setUint16(offset, value, true);
        else view.setUint32(offset, value >>> 0, true);
    }
    return bytes;
}

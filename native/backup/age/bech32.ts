/**
 * Bech32 (BIP 173) as age uses it: no length limit on the data part, all-uppercase or
 * all-lowercase, checksum always over the lowercase string. No npm package in our tree offers it
 * without pulling a crypto stack, and the algorithm is a page long.
 */
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

function polymod(values: readonly number[]): number {
    let chk = 1;
    for (const v of values) {
        const top = chk >>> 25;
        chk = ((chk & 0x1ffffff) << 5) ^ v;
        for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATOR[i] ?? 0;
    }
    return chk >>> 0;
}

function hrpExpand(hrp: string): number[] {
    const codes = [...hrp].map((c) => c.charCodeAt(0));
    return [...codes.map((c) => c >> 5), 0, ...codes.map((c) => c & 31)];
}

function convertBits(data: Uint8Array | readonly number[], from: number, to: number, pad: boolean): number[] | undefined {
    let acc = 0;
    let bits = 0;
    const out: number[] = [];
    const maxv = (1 << to) - 1;
    for (const value of data) {
        if (value >> from !== 0) return undefined;
        acc = (acc << from) | value;
        bits += from;
        while (bits >= to) {
            bits -= to;
            out.push((acc >> bits) & maxv);
        }
    }
    if (pad) {
        if (bits > 0) out.push((acc << (to - bits)) & maxv);
    } else if (bits >= from || ((acc << (to - bits)) & maxv) !== 0) {
        return undefined;
    }
    return out;
}

/** Encode bytes under a human-readable prefix; `upper` gives the all-caps form age uses for secret keys. */
export function bech32Encode(hrp: string, data: Uint8Array, upper = false): string {
    const lowerHrp = hrp.toLowerCase();
    const words = convertBits(data, 8, 5, true) ?? [];
    const check = polymod([...hrpExpand(lowerHrp), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
    const checksum = Array.from({ length: 6 }, (_, i) => (check >>> (5 * (5 - i))) & 31);
    const text = `${lowerHrp}1${[...words, ...checksum].map((w) => CHARSET[w]).join('')}`;
    return upper ? text.toUpperCase() : text;
}

/** Decode a Bech32 string; undefined when it is not valid (mixed case, bad checksum, bad padding). */
export function bech32Decode(text: string): { hrp: string; data: Uint8Array } | undefined {
    if (text !== text.toLowerCase() && text !== text.toUpperCase()) return undefined;
    const lower = text.toLowerCase();
    const sep = lower.lastIndexOf('1');
    if (sep < 1 || sep + 7 > lower.length) return undefined;
    const hrp = lower.slice(0, sep);
    if ([...hrp].some((c) => c.charCodeAt(0) < 33 || c.charCodeAt(0) > 126)) return undefined;
    const words: number[] = [];
    for (const c of lower.slice(sep + 1)) {
        const w = CHARSET.indexOf(c);
        if (w < 0) return undefined;
        words.push(w);
    }
    if (polymod([...hrpExpand(hrp), ...words]) !== 1) return undefined;
    const bytes = convertBits(words.slice(0, -6), 5, 8, false);
    return bytes ? { hrp, data: Uint8Array.from(bytes) } : undefined;
}

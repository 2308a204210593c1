/** The parts of lz4js (plain JS, no bundled types) Revive uses. */
declare module 'lz4js' {
    /** Decode one LZ4 block from src[sIndex, sIndex+sLength) into dst at dIndex; returns the new end in dst. */
    export function decompressBlock(src: Uint8Array, dst: Uint8Array, sIndex: number, sLength: number, dIndex: number): number;
    export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
    export function decompress(src: Uint8Array, maxSize?: number): Uint8Array;
}
declare module 'lz4js/xxh32.js' {
    export function hash(seed: number, src: Uint8Array, index: number, length: number): number;
}

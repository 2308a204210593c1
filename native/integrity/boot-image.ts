/** Android boot/recovery image header check: is this file an image a recovery partition can hold? */
export const BOOT_MAGIC = 'ANDROID!';

export interface BootImageFacts {
    readonly headerVersion: number;
    readonly pageSize: number;
    readonly kernelSize: number;
    readonly ramdiskSize: number;
    readonly secondSize: number;
    /** Where the ramdisk starts: after the header page and the page-aligned kernel (every header version). */
    readonly ramdiskOffset: number;
    /** Bytes the header says the image occupies (header + kernel + ramdisk + second, page aligned). */
    readonly declaredBytes: number;
    readonly fileBytes: number;
}

/** What is wrong with a boot image header, and its numbers: the facts of `recovery-not-image`. */
export type BootImageProblem =
    | { readonly variant: 'short-file'; readonly size: number }
    | { readonly variant: 'not-boot-image'; readonly start: string }
    | { readonly variant: 'page-size'; readonly pageSize: number }
    | { readonly variant: 'no-kernel' }
    | { readonly variant: 'cut-short'; readonly declared: number; readonly size: number }
    | { readonly variant: 'too-large'; readonly size: number; readonly limit: number };

export type BootImageCheck = { readonly ok: true; readonly facts: BootImageFacts } | { readonly ok: false; readonly problem: BootImageProblem };

const PAGE_SIZES = new Set([2048, 4096, 8192, 16384]);

function pages(bytes: number, page: number): number {
    return Math.ceil(bytes / page) * page;
}

export function checkBootImageHeader(header: Uint8Array, fileBytes: number, partitionBytes: number): BootImageCheck {
    const magic = Buffer.from(header.subarray(0, 8)).toString('latin1');
    if (header.length < 48 || magic !== BOOT_MAGIC) {
        const shown = Buffer.from(header.subarray(0, 8)).toString('hex');
        return { ok: false, problem: header.length < 8 ? { variant: 'short-file', size: fileBytes } : { variant: 'not-boot-image', start: shown } };
    }
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    const u32 = (offset: number): number => view.getUint32(offset, true);
    const headerVersion = u32(40);
    let facts: BootImageFacts;
    if (headerVersion >= 3 && headerVersion < 16) {
        const kernelSize = u32(8);
        const ramdiskSize = u32(12);
        const pageSize = 4096;
        facts = { headerVersion, pageSize, kernelSize, ramdiskSize, secondSize: 0, ramdiskOffset: pageSize + pages(kernelSize, pageSize), declaredBytes: pageSize + pages(kernelSize, pageSize) + pages(ramdiskSize, pageSize), fileBytes };
    } else {
        const kernelSize = u32(8);
        const ramdiskSize = u32(16);
        const secondSize = u32(24);
        const pageSize = u32(36);
        if (!PAGE_SIZES.has(pageSize)) return { ok: false, problem: { variant: 'page-size', pageSize } };
        facts = {
            headerVersion: headerVersion < 16 ? headerVersion : 0,
            pageSize,
            kernelSize,
            ramdiskSize,
            secondSize,
            ramdiskOffset: pageSize + pages(kernelSize, pageSize),
            declaredBytes: pageSize + pages(kernelSize, pageSize) + pages(ramdiskSize, pageSize) + pages(secondSize, pageSize),
            fileBytes,
        };
    }
    if (facts.kernelSize === 0) return { ok: false, problem: { variant: 'no-kernel' } };
    if (facts.declaredBytes > fileBytes) return { ok: false, problem: { variant: 'cut-short', declared: facts.declaredBytes, size: fileBytes } };
    if (fileBytes > partitionBytes) return { ok: false, problem: { variant: 'too-large', size: fileBytes, limit: partitionBytes } };
    return { ok: true, facts };
}

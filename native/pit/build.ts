/**
 * Build a PIT from a readable description (resources/pit/*.pit.json): partition name, flash file,
 * identifier and size in 512-byte sectors. Entries without an explicit `start` follow each other from
 * `firstSector`; `"start": "last"` puts the entry right after the last of them (the backup GPT).
 * Generated PITs carry no signature trailer: only Samsung can sign one.
 */
import type { Pit, PitEntry } from './pit.js';

export interface PitDescriptionEntry {
    readonly name: string;
    readonly file: string;
    readonly id: number;
    readonly sectors: number;
    readonly start?: number | 'last' | undefined;
    readonly attributes?: number | undefined;
    readonly update?: number | undefined;
    readonly fota?: string | undefined;
}

export interface PitDescription {
    /** 8 ASCII bytes at offset 8, "COM_TAR2" on every modern Galaxy. */
    readonly gang: string;
    /** Up to 8 ASCII bytes at offset 16, the SoC project, e.g. "MSM8974". */
    readonly project: string;
    readonly firstSector: number;
    readonly entries: readonly PitDescriptionEntry[];
}

/** 8 ASCII bytes, NUL-padded, as the little-endian view the header stores them in. */
function ascii8(text: string): DataView {
    const padded = new Uint8Array(8);
    for (let i = 0; i < Math.min(text.length, 8); i++) padded[i] = text.charCodeAt(i) & 0xff;
    return new DataView(padded.buffer);
}

export function buildPit(description: PitDescription): Pit {
    const gang = ascii8(description.gang);
    const project = ascii8(description.project);
    const [p0, p1, p2, p3] = [0, 2, 4, 6].map((at) => project.getUint16(at, true)) as [number, number, number, number];
    let next = description.firstSector;
    const sequentialStarts = new Map<PitDescriptionEntry, number>();
    for (const entry of description.entries) {
        if (entry.start !== undefined) continue;
        sequentialStarts.set(entry, next);
        next += entry.sectors;
    }
    const entries: PitEntry[] = description.entries.map((entry) => ({
        binaryType: 0,
        deviceType: 2,
        identifier: entry.id,
        attributes: entry.attributes ?? 5,
        updateAttributes: entry.update ?? 1,
        blockSizeOrOffset: entry.start === 'last' ? next : entry.start ?? sequentialStarts.get(entry) ?? 0,
        blockCount: entry.sectors,
        fileOffset: 0,
        fileSize: 0,
        partitionName: entry.name,
        flashFilename: entry.file,
        fotaFilename: entry.fota ?? '',
    }));
    return {
        header: { unknown1: gang.getUint32(0, true), unknown2: gang.getUint32(4, true), unknown3: p0, unknown4: p1, unknown5: p2, unknown6: p3, unknown7: 0, unknown8: 0 },
        entries,
        trailer: new Uint8Array(0),
    };
}

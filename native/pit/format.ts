/**
 * The text of `heimdall print-pit` (Heimdall 1.4.2, Interface::PrintPit) without its release banner,
 * byte for byte: numbers are C `%d` (signed 32-bit), names are printed as stored (at most 31 bytes,
 * as libpit copies them).
 */
import type { Pit, PitEntry } from './pit.js';

const int32 = (value: number): number => value | 0;
const cString = (text: string): string => text.slice(0, 31);

function binaryTypeText(value: number): string {
    return value === 0 ? 'AP' : value === 1 ? 'CP' : 'Unknown';
}

function deviceTypeText(value: number): string {
    switch (value) {
        case 0: return 'OneNAND';
        case 1: return 'File/FAT';
        case 2: return 'MMC';
        case 3: return 'All (?)';
        default: return 'Unknown';
    }
}

function attributesText(value: number): string {
    return `${value & 2 ? 'STL ' : ''}${value & 1 ? 'Read/Write' : 'Read-Only'}`;
}

function updateAttributesLine(value: number): string {
    if (value === 0) return 'Update Attributes: 0';
    const text = (value & 1) && (value & 2) ? 'FOTA, Secure' : value & 1 ? 'FOTA' : value & 2 ? 'Secure' : '';
    return `Update Attributes: ${int32(value)} (${text})`;
}

function formatEntry(entry: PitEntry, index: number): string {
    return [
        '',
        '',
        `--- Entry #${index} ---`,
        `Binary Type: ${int32(entry.binaryType)} (${binaryTypeText(entry.binaryType)})`,
        `Device Type: ${int32(entry.deviceType)} (${deviceTypeText(entry.deviceType)})`,
        `Identifier: ${int32(entry.identifier)}`,
        `Attributes: ${int32(entry.attributes)} (${attributesText(entry.attributes)})`,
        updateAttributesLine(entry.updateAttributes),
        `Partition Block Size/Offset: ${int32(entry.blockSizeOrOffset)}`,
        `Partition Block Count: ${int32(entry.blockCount)}`,
        `File Offset (Obsolete): ${int32(entry.fileOffset)}`,
        `File Size (Obsolete): ${int32(entry.fileSize)}`,
        `Partition Name: ${cString(entry.partitionName)}`,
        `Flash Filename: ${cString(entry.flashFilename)}`,
        `FOTA Filename: ${cString(entry.fotaFilename)}`,
    ].join('\n') + '\n';
}

export function formatPit(pit: Pit): string {
    const h = pit.header;
    let text = `Entry Count: ${pit.entries.length}\n`;
    text += `Unknown 1: ${int32(h.unknown1)}\nUnknown 2: ${int32(h.unknown2)}\n`;
    [h.unknown3, h.unknown4, h.unknown5, h.unknown6, h.unknown7, h.unknown8].forEach((value, i) => (text += `Unknown ${i + 3}: ${value}\n`));
    pit.entries.forEach((entry, i) => (text += formatEntry(entry, i)));
    return text + '\n';
}

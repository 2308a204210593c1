/**
 * Is the phone in download mode the model we prepared for? Samsung models share one USB identity in
 * download mode, so the partition table is the phone's fingerprint: its chip ("project") name and the
 * partition we are about to write must be the ones the recipe's PIT has. Firmware updates may move
 * other partitions, so only these are compared.
 */
import { findPartition, type Pit } from './pit.js';

/** The 8-byte project name of a PIT header (e.g. "MSM8974"), or '' when the PIT has none. */
export function pitProjectName(pit: Pit): string {
    const h = pit.header;
    const bytes = [h.unknown3, h.unknown4, h.unknown5, h.unknown6].flatMap((word) => [word & 0xff, word >> 8]);
    const end = bytes.indexOf(0);
    const text = String.fromCharCode(...(end === -1 ? bytes : bytes.slice(0, end)));
    return /^[\x20-\x7e]+$/.test(text) ? text : '';
}

/** What differs between the phone's PIT and the expected one, in plain words; empty when they agree. */
export function pitDifferences(device: Pit, expected: Pit, partition: string): string[] {
    const differences: string[] = [];
    const [deviceChip, expectedChip] = [pitProjectName(device), pitProjectName(expected)];
    if (deviceChip && expectedChip && deviceChip !== expectedChip) differences.push(`its chip is ${deviceChip}, not ${expectedChip}`);
    const mine = findPartition(device, partition);
    const theirs = findPartition(expected, partition);
    if (!mine) differences.push(`it has no ${partition} partition`);
    else if (theirs && (mine.identifier !== theirs.identifier || mine.blockCount !== theirs.blockCount)) {
        differences.push(`its ${partition} partition is #${mine.identifier} with ${mine.blockCount} blocks, not #${theirs.identifier} with ${theirs.blockCount}`);
    }
    return differences;
}

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

/** One way the phone's PIT differs from the expected one, as facts (the locale words them). */
export type PitDifference =
    | { readonly variant: 'chip'; readonly found: string; readonly expected: string }
    | { readonly variant: 'no-partition'; readonly partition: string }
    | { readonly variant: 'partition-size'; readonly partition: string; readonly found: string; readonly expected: string };

/** What differs between the phone's PIT and the expected one; empty when they agree. */
export function pitDifferences(device: Pit, expected: Pit, partition: string): PitDifference[] {
    const differences: PitDifference[] = [];
    const [deviceChip, expectedChip] = [pitProjectName(device), pitProjectName(expected)];
    if (deviceChip && expectedChip && deviceChip !== expectedChip) differences.push({ variant: 'chip', found: deviceChip, expected: expectedChip });
    const mine = findPartition(device, partition);
    const theirs = findPartition(expected, partition);
    if (!mine) differences.push({ variant: 'no-partition', partition });
    else if (theirs && (mine.identifier !== theirs.identifier || mine.blockCount !== theirs.blockCount)) {
        differences.push({ variant: 'partition-size', partition, found: `#${mine.identifier} (${mine.blockCount})`, expected: `#${theirs.identifier} (${theirs.blockCount})` });
    }
    return differences;
}

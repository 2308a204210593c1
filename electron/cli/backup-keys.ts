/**
 * Who opens a backup archive, from the command line: an age identity file or a passphrase file to
 * open one; recipients (age1…) or a passphrase asked twice with its strength shown to make one. A
 * passphrase never comes on argv. Shared by `revive backup`, `revive restore` and `revive upgrade`.
 */
import { parseRecipient, type AgeIdentity, type AgeRecipient } from '../../native/backup/age/index.js';
import { identitiesFromFile } from '../../native/backup/identity-file.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { estimatePassphraseStrength } from '../../native/panels/passphrase.js';
import { strongEnoughForBackup } from '../../common/passphrase.js';
import { CliUsageError, type CliIo } from './command.js';
import { readPassphrase } from './keys.js';

/** How to open an archive: an age identity file or a passphrase file (never a passphrase on argv). */
export async function identitiesFrom(values: { identity?: string | undefined; 'passphrase-file'?: string | undefined }, io: CliIo): Promise<AgeIdentity[]> {
    if (values.identity && values['passphrase-file']) throw new CliUsageError('Give --identity or --passphrase-file, not both.');
    if (values.identity) return identitiesFromFile(values.identity);
    return [{ kind: 'scrypt', passphrase: await readPassphrase(io, 'Passphrase of the backup', values['passphrase-file']) }];
}

/** Who can open a new archive: recipients (age1…), or a passphrase asked twice with its strength shown. */
export async function recipientsFrom(values: { recipient?: string[] | undefined; 'passphrase-file'?: string | undefined; identity?: string | undefined }, io: CliIo): Promise<{ recipients: AgeRecipient[]; verifyWith: AgeIdentity[] | undefined }> {
    const recipients = (values.recipient ?? []).map((r): AgeRecipient => ({ kind: 'x25519', publicKey: parseRecipient(r) }));
    if (recipients.length > 0) {
        if (values['passphrase-file']) throw new CliUsageError('A passphrase cannot be combined with --recipient (age allows one or the other).');
        const verifyWith = values.identity ? await identitiesFromFile(values.identity) : undefined;
        return { recipients, verifyWith };
    }
    const passphrase = await readPassphrase(io, 'Passphrase for the backup', values['passphrase-file'], true);
    const strength = estimatePassphraseStrength(passphrase);
    // On stderr: stdout stays the result (plain or --json).
    io.err(`Passphrase strength: ${strength.level} (${strength.score}/4)\n${strength.reasons.map((r) => `  - ${r}\n`).join('')}`);
    if (!strongEnoughForBackup(strength)) throw ReviveError.of('backup-weak-passphrase', {});
    return { recipients: [{ kind: 'scrypt', passphrase }], verifyWith: [{ kind: 'scrypt', passphrase }] };
}

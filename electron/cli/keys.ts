/** `revive keys …`: OpenPGP keys for OpenKeychain and GnuPG. Passphrases never come from argv. */
import { createInterface } from 'node:readline';
import * as openpgp from 'openpgp';
import { createKeysJob, OPENPGP_KEY_MAX_BYTES, revokeKeyJob, rotateKeysJob } from '../jobs/panels/keys.js';
import type { PanelJobEvent } from '../jobs/panels/job.js';
import { keysPushPlan, OPENKEYCHAIN_PHONE_DIR, pushFilesJob, type PushItem } from '../jobs/panels/push.js';
import { readLimitedText, unreadableAs } from '../../native/files/read-limited.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { KEY_ALGORITHMS, REVOCATION_REASONS, type KeyAlgorithm, type RevocationReason, type UserIdInput } from '../../native/panels/openpgp.js';
import type { PassphraseStrength } from '../../native/panels/passphrase.js';
import { CliUsageError, parseCliArgs, type CliCommand, type CliIo } from './command.js';
import { DEVICE_USAGE, deviceOptions, type DeviceValues } from './device-options.js';
import { withPanelTarget } from './panel-target.js';

/** `Name (comment) <email>`, `Name <email>`, `<email>`, `email` or `Name`. */
export function parseUserId(text: string): UserIdInput {
    const match = /^\s*([^<(]*?)\s*(?:\(([^)]*)\))?\s*(?:<([^>]*)>)?\s*$/.exec(text);
    if (!match) throw new CliUsageError(`"${text}" is not a user ID; write it as "Name <email@example.org>".`);
    const name = match[1] ?? '';
    if (!match[3] && name.includes('@') && !name.includes(' ')) return { email: name };
    return { name, comment: match[2], email: match[3] };
}

/** A passphrase or password is far shorter; a larger "passphrase file" is some other file. */
const PASSPHRASE_FILE_MAX_BYTES = 64 * 1024;

/** The first line of a passphrase (or TWRP password) file: small, regular, read whole. */
export async function readFirstLine(file: string, what: 'passphrase' | 'twrp-password'): Promise<string> {
    return (await readLimitedText(file, { what, maxBytes: PASSPHRASE_FILE_MAX_BYTES })).split(/\r?\n/)[0] ?? '';
}

/** A passphrase from a file (first line) or typed at a prompt without echo; never from argv. */
export async function readPassphrase(io: CliIo, prompt: string, file: string | undefined, confirm = false): Promise<string> {
    if (file) return readFirstLine(file, 'passphrase');
    if (!process.stdin.isTTY) throw new CliUsageError(`${prompt}: give --passphrase-file FILE (no terminal to ask on).`);
    const ask = (question: string): Promise<string> =>
        new Promise((resolve) => {
            const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
            const muted = rl as unknown as { _writeToOutput: (s: string) => void };
            let shown = false;
            muted._writeToOutput = (s: string) => {
                if (!shown) process.stderr.write(s);
                shown = true;
            };
            rl.question(question, (answer) => {
                rl.close();
                process.stderr.write('\n');
                resolve(answer);
            });
        });
    const first = await ask(`${prompt}: `);
    if (confirm && (await ask('Type it again: ')) !== first) throw new CliUsageError('The two passphrases differ.');
    return first;
}

function printStrength(io: CliIo, strength: PassphraseStrength): void {
    io.out(`Passphrase strength: ${strength.level} (${strength.score}/4)\n`);
    for (const reason of strength.reasons) io.out(`  - ${reason}\n`);
}

/**
 * A panel job's events on stderr: each finished step, log lines, and byte progress (a live
 * percentage on a terminal, quarter steps in a pipe). Jobs never put secrets in events.
 */
export function panelProgress(io: CliIo): (event: PanelJobEvent) => void {
    let lastStep = '';
    let lastPercent = -1;
    return (event) => {
        if (event.type === 'step' && event.status === 'finished') io.err(`✓ ${event.description}\n`);
        if (event.type === 'log') io.err(`${event.line}\n`);
        if (event.type === 'progress') {
            const { step, bytesDone, bytesTotal } = event.progress;
            const percent = bytesTotal > 0 ? Math.floor((bytesDone * 100) / bytesTotal) : 100;
            if (step === lastStep && percent === lastPercent) return;
            const quarter = Math.floor(percent / 25);
            const newQuarter = step !== lastStep || quarter !== Math.floor(lastPercent / 25);
            lastStep = step;
            lastPercent = percent;
            if (io.interactive) io.err(`\r${step}: ${percent}%${percent === 100 ? '\n' : ''}`);
            else if (newQuarter && percent > 0) io.err(`${step}: ${percent}% of ${bytesTotal} bytes\n`);
        }
    };
}

/** Sends files with pushFilesJob and prints where each one landed; returns the exit status. */
export async function pushToPhone(io: CliIo, device: DeviceValues, items: readonly PushItem[]): Promise<number> {
    return withPanelTarget(device, io, async (target) => {
        io.err(`Sending ${items.length} file(s) to the phone (${target.label}).\n`);
        const { pushed } = await pushFilesJob(target.connect, items, { onEvent: panelProgress(io), signal: io.signal });
        for (const item of pushed) io.out(`${item.local} → ${item.remote} (SHA-256 ${item.sha256})\n`);
        return 0;
    });
}

async function readArmored(file: string): Promise<string> {
    return unreadableAs(readLimitedText(file, { what: 'openpgp-key', maxBytes: OPENPGP_KEY_MAX_BYTES }), (cause) => ReviveError.of('cli-file-unreadable', { variant: 'key', file }, { cause }));
}

/** The public key file must hold a public key and nothing secret (a mix-up would leak the secret key). */
async function checkPublicKeyFile(file: string): Promise<void> {
    const text = await readArmored(file);
    const notPublic = ReviveError.of('keys-not-public', { file, variant: /PRIVATE KEY BLOCK/.test(text) ? 'secret' : 'other' });
    if (!/-----BEGIN PGP PUBLIC KEY BLOCK-----/.test(text) || /PRIVATE KEY BLOCK/.test(text)) throw notPublic;
    try {
        if ((await openpgp.readKey({ armoredKey: text })).isPrivate()) throw notPublic;
    } catch (error) {
        throw error instanceof ReviveError ? error : notPublic;
    }
}

/** Only a passphrase-protected secret key ever leaves the computer. */
async function checkSecretKeyFile(file: string): Promise<void> {
    const text = await readArmored(file);
    let key: openpgp.PrivateKey;
    try {
        key = await openpgp.readPrivateKey({ armoredKey: text });
    } catch (error) {
        throw ReviveError.of('keys-not-secret', { file }, { cause: error });
    }
    if (key.isDecrypted()) {
        throw ReviveError.of('keys-unprotected', { file });
    }
}

function algorithm(rsa: boolean | undefined): KeyAlgorithm {
    return rsa ? 'rsa4096' : (KEY_ALGORITHMS[0] ?? 'curve25519');
}

function expiry(text: string | undefined): number {
    if (text === undefined) return 730;
    const days = Number(text);
    if (!Number.isInteger(days) || days < 0) throw new CliUsageError(`--expires takes a number of days (0: never), not "${text}".`);
    return days;
}

const keyOptions = {
    uid: { type: 'string', multiple: true },
    rsa: { type: 'boolean' },
    expires: { type: 'string' },
    out: { type: 'string' },
    'passphrase-file': { type: 'string' },
} as const;

export const commands: readonly CliCommand[] = [
    {
        name: 'keys create',
        usage: 'revive keys create --uid "Name <email>" [--uid …] [--rsa] [--expires DAYS (default 730, 0 = never)] [--out DIR] [--passphrase-file FILE]',
        async run(args, io) {
            const { values } = parseCliArgs({ args: [...args], options: keyOptions, strict: true });
            if (!values.uid || values.uid.length === 0) throw new CliUsageError('Give at least one --uid "Name <email>".');
            const passphrase = await readPassphrase(io, 'Passphrase for the new key', values['passphrase-file'], true);
            const result = await createKeysJob(
                { userIds: values.uid.map(parseUserId), passphrase, algorithm: algorithm(values.rsa), expiresInDays: expiry(values.expires), outDir: values.out ?? '.' },
                { onEvent: panelProgress(io), signal: io.signal },
            );
            io.out(`Key ${result.key.fingerprint} (${result.key.algorithm}), expires ${result.key.expiresAt ?? 'never'}\n`);
            io.out(`Public key:  ${result.files.publicKey}\nSecret key:  ${result.files.secretKey}\nRevocation:  ${result.files.revocation}\n`);
            printStrength(io, result.passphraseStrength);
            io.out(`\n${result.revocationAdvice}\n`);
            return 0;
        },
    },
    {
        name: 'keys rotate',
        usage: 'revive keys rotate --old-key SECRET.asc [--old-passphrase-file FILE] --uid "Name <email>" [--uid …] [--rsa] [--expires DAYS] [--out DIR] [--passphrase-file FILE]',
        async run(args, io) {
            const { values } = parseCliArgs({ args: [...args], options: { ...keyOptions, 'old-key': { type: 'string' }, 'old-passphrase-file': { type: 'string' } }, strict: true });
            if (!values['old-key']) throw new CliUsageError('Give the old secret key with --old-key FILE.');
            if (!values.uid || values.uid.length === 0) throw new CliUsageError('Give the new key\'s identities with --uid "Name <email>".');
            const oldPassphrase = await readPassphrase(io, 'Passphrase of the OLD key', values['old-passphrase-file']);
            const passphrase = await readPassphrase(io, 'Passphrase for the NEW key', values['passphrase-file'], true);
            const result = await rotateKeysJob(
                { oldSecretKeyPath: values['old-key'], oldPassphrase, newKey: { userIds: values.uid.map(parseUserId), passphrase, algorithm: algorithm(values.rsa), expiresInDays: expiry(values.expires) }, outDir: values.out ?? '.' },
                { onEvent: panelProgress(io), signal: io.signal },
            );
            io.out(`Old key ${result.oldKey.fingerprint} → new key ${result.key.fingerprint}\n`);
            io.out(`New public key:       ${result.files.publicKey}\nNew secret key:       ${result.files.secretKey}\nNew key revocation:   ${result.files.revocation}\n`);
            io.out(`Old key revocation:   ${result.oldKeyRevocation} (publish it: import it into GnuPG/OpenKeychain and upload it where your old key is)\n`);
            io.out(`Note for contacts:    ${result.transitionStatement} (signed by both keys; send it with the new public key)\n`);
            printStrength(io, result.passphraseStrength);
            io.out(`\n${result.revocationAdvice}\n`);
            return 0;
        },
    },
    {
        name: 'keys revoke',
        usage: `revive keys revoke --key SECRET.asc --reason ${REVOCATION_REASONS.join('|')} [--text WHY] [--out DIR] [--passphrase-file FILE]`,
        async run(args, io) {
            const { values } = parseCliArgs({ args: [...args], options: { key: { type: 'string' }, reason: { type: 'string' }, text: { type: 'string' }, out: { type: 'string' }, 'passphrase-file': { type: 'string' } }, strict: true });
            if (!values.key) throw new CliUsageError('Give the secret key with --key FILE.');
            const reason = values.reason as RevocationReason | undefined;
            if (!reason || !REVOCATION_REASONS.includes(reason)) throw new CliUsageError(`--reason must be one of ${REVOCATION_REASONS.join(', ')}.`);
            const passphrase = await readPassphrase(io, 'Passphrase of the key', values['passphrase-file']);
            const result = await revokeKeyJob({ secretKeyPath: values.key, passphrase, reason, text: values.text, outDir: values.out ?? '.' }, { onEvent: panelProgress(io), signal: io.signal });
            io.out(`Revocation for ${result.key.fingerprint}: ${result.revocation}\nImporting it (gpg --import, or OpenKeychain) marks the key revoked; publish it where your public key is.\n`);
            return 0;
        },
    },
    {
        name: 'keys push',
        usage: `revive keys push KEY.pub.asc [--secret-key KEY.sec.asc] ${DEVICE_USAGE}`,
        async run(args, io) {
            const { values, positionals } = parseCliArgs({ args: [...args], options: { 'secret-key': { type: 'string' }, ...deviceOptions }, allowPositionals: true, strict: true });
            const publicKey = positionals[0];
            if (!publicKey || positionals.length > 1) throw new CliUsageError('Give one public key file (KEY.pub.asc).');
            const secretKey = values['secret-key'];
            await checkPublicKeyFile(publicKey);
            if (secretKey) await checkSecretKeyFile(secretKey);
            const status = await pushToPhone(io, values, keysPushPlan({ publicKey, secretKey }, secretKey !== undefined));
            io.out(`In OpenKeychain: ⋮ → Manage my keys → Import key from file, and pick the file in ${OPENKEYCHAIN_PHONE_DIR}.\n`);
            if (secretKey) {
                io.out('The secret key sits in shared storage, where apps with storage access can read it (it stays passphrase-protected). Delete it from the phone once OpenKeychain has imported it.\n');
            }
            return status;
        },
    },
];

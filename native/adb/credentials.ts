/**
 * The RSA key Revive signs adb tokens with. If the user already has `~/.android/adbkey` (their adb's
 * key), it is used, so phones that trust their adb trust Revive; otherwise Revive keeps its own in
 * `<appData>/adbkey` (PEM PKCS#8, mode 0600) with `adbkey.pub` beside it, like adb does.
 */
import { constants, createPrivateKey, generateKeyPairSync, privateEncrypt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir, hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { AdbAuthType, AdbCommand, adbGeneratePublicKey, SHA1_DIGEST_INFO, type AdbAuthenticator, type AdbCredentialStore, type AdbPrivateKey } from '@yume-chan/adb';
import { appHome } from '../jobs/journal.js';

function keyName(): string {
    let user = 'revive';
    try {
        user = userInfo().username;
    } catch {
        // No passwd entry (containers): keep the default name.
    }
    return `${user}@${hostname()}`;
}

function pkcs8FromPem(pem: string): Uint8Array {
    return new Uint8Array(createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' }));
}

/** adbkey.pub text for a private key: base64 of Android's 524-byte public key struct and a name. */
export function adbPublicKeyText(privateKeyPkcs8: Uint8Array, name: string): string {
    return `${Buffer.from(adbGeneratePublicKey(privateKeyPkcs8)).toString('base64')} ${name}`;
}

/**
 * adbd checks the token's signature as OpenSSL's RSA_sign(NID_sha1, token): PKCS#1 v1.5 over SHA-1's
 * DigestInfo and the 20 token bytes. Made here by node:crypto: the same bytes as @yume-chan/adb's own
 * rsaSign, which does the 2048-bit arithmetic with JS BigInts (40-90 ms and much garbage per
 * connection, against about 1 ms), a cost every `revive adb …` command paid before doing anything.
 */
export function signAdbToken(privateKeyPkcs8: Uint8Array, token: Uint8Array): Uint8Array {
    const key = createPrivateKey({ key: Buffer.from(privateKeyPkcs8), format: 'der', type: 'pkcs8' });
    return new Uint8Array(privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA1_DIGEST_INFO, token])));
}

/** @yume-chan/adb's AdbSignatureAuthenticator, signing with signAdbToken: each key in turn answers a token. */
export const adbSignatureAuthenticator: AdbAuthenticator = async function* (credentialStore, getNextRequest) {
    for await (const key of credentialStore.iterateKeys()) {
        const packet = await getNextRequest();
        if (packet.arg0 !== AdbAuthType.Token) return;
        yield { command: AdbCommand.Auth, arg0: AdbAuthType.Signature, arg1: 0, payload: signAdbToken(key.buffer, packet.payload) };
    }
};

export interface AdbKeyStoreOptions {
    /** Where Revive's own key lives; default appHome(). */
    readonly appDir?: string | undefined;
    /** The user's adb folder; default `~/.android`. Pass null to ignore the user's adb key. */
    readonly userAdbDir?: string | null | undefined;
}

export class AdbKeyStore implements AdbCredentialStore {
    readonly #appDir: string;
    readonly #userAdbDir: string | null;
    #preloaded: Promise<AdbPrivateKey[]> | undefined;

    constructor(options: AdbKeyStoreOptions = {}) {
        this.#appDir = options.appDir ?? appHome();
        this.#userAdbDir = options.userAdbDir === undefined ? join(homedir(), '.android') : options.userAdbDir;
    }

    get appKeyPath(): string {
        return join(this.#appDir, 'adbkey');
    }

    /** Key files to try, the user's adb key first. */
    #candidates(): string[] {
        const paths: string[] = [];
        if (this.#userAdbDir) paths.push(join(this.#userAdbDir, 'adbkey'));
        paths.push(this.appKeyPath);
        return paths.filter((path) => existsSync(path));
    }

    async generateKey(): Promise<AdbPrivateKey> {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
        const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
        const buffer = pkcs8FromPem(pem);
        const name = keyName();
        await mkdir(this.#appDir, { recursive: true, mode: 0o700 });
        await writeFile(this.appKeyPath, pem, { mode: 0o600 });
        await chmod(this.appKeyPath, 0o600);
        await writeFile(`${this.appKeyPath}.pub`, `${adbPublicKeyText(buffer, name)}\n`, { mode: 0o644 });
        return { buffer, name };
    }

    /**
     * Start reading and parsing the key files now, for the next iterateKeys: a handshake needs them
     * only once the phone sends its token, so a caller starts this while the connection opens and
     * the file reads and PEM parsing overlap the network round trips instead of following them.
     */
    preload(): void {
        this.#preloaded ??= this.#readKeys();
        this.#preloaded.catch(() => undefined);
    }

    async #readKeys(): Promise<AdbPrivateKey[]> {
        const keys: AdbPrivateKey[] = [];
        for (const path of this.#candidates()) {
            let buffer: Uint8Array;
            try {
                buffer = pkcs8FromPem(await readFile(path, 'utf8'));
            } catch {
                continue;
            }
            const pub = await readFile(`${path}.pub`, 'utf8').catch(() => '');
            keys.push({ buffer, name: pub.trim().split(/\s+/)[1] ?? keyName() });
        }
        return keys;
    }

    async *iterateKeys(): AsyncGenerator<AdbPrivateKey, void, void> {
        // A preloaded read serves one iteration; later ones read the files again (a key made since).
        const preloaded = this.#preloaded;
        this.#preloaded = undefined;
        yield* await (preloaded ?? this.#readKeys());
    }

    /** The key Revive will present (creating its own if there is none), e.g. to show its fingerprint. */
    async primaryKey(): Promise<AdbPrivateKey> {
        for await (const key of this.iterateKeys()) return key;
        return this.generateKey();
    }
}

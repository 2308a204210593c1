/**
 * An age identity file a person names or picks to open a backup (age-keygen's format, a few
 * hundred bytes): read whole, but only when it is a regular file of a size an identity file has,
 * so `/dev/zero` or a 10 GiB file picked by mistake is refused at once, by name.
 */
import { readLimitedText } from '../files/read-limited.js';
import { parseIdentityFile, type AgeIdentity, type X25519Identity } from './age/index.js';

/** Room for hundreds of identities and their comments. */
export const IDENTITY_FILE_MAX_BYTES = 64 * 1024;

export async function readIdentityFile(path: string): Promise<X25519Identity[]> {
    return parseIdentityFile(await readLimitedText(path, { what: 'age-identity', maxBytes: IDENTITY_FILE_MAX_BYTES }));
}

/** The identities of the file as keys that open an archive. */
export async function identitiesFromFile(path: string): Promise<AgeIdentity[]> {
    return (await readIdentityFile(path)).map((i): AgeIdentity => ({ kind: 'x25519', secretKey: i.secretKey }));
}

/** The adb token signature made with node:crypto: byte for byte what @yume-chan/adb's own rsaSign makes, and what adbd verifies. */
import { constants, generateKeyPairSync, publicDecrypt, randomBytes } from 'node:crypto';
import { rsaSign, SHA1_DIGEST_INFO } from '@yume-chan/adb';
import { describe, expect, it } from 'vitest';
import { signAdbToken } from '../../../native/adb/credentials.js';

describe('signAdbToken', () => {
    it('signs a token as RSA_sign(NID_sha1) does, the same bytes as the library', () => {
        const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 65537 });
        const pkcs8 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
        for (let i = 0; i < 3; i++) {
            const token = randomBytes(20);
            const signature = signAdbToken(pkcs8, token);
            expect(signature.length).toBe(256);
            expect(Buffer.from(signature).equals(Buffer.from(rsaSign(pkcs8, token)))).toBe(true);
            // What adbd does: recover DigestInfo + token with the public key.
            const recovered = publicDecrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, signature);
            expect(recovered.equals(Buffer.concat([SHA1_DIGEST_INFO, token]))).toBe(true);
        }
    });
});

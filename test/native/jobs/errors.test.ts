/** File-system errors reach a person as words naming the file, not as raw errno text with a cable hint. */
import { describe, expect, it } from 'vitest';
import { main } from '../../../electron/cli.js';
import { ReviveError } from '../../../native/jobs/errors.js';

describe('ReviveError.from', () => {
    it('turns ENOENT, EISDIR and EEXIST into messages naming the file', () => {
        const errno = (code: string, path: string): Error => Object.assign(new Error(`${code}: raw`), { code, path });
        expect(ReviveError.from(errno('ENOENT', '/a/b.img'))).toMatchObject({ code: 'file-enoent', message: '/a/b.img does not exist (or a folder on its way does not).' });
        expect(ReviveError.from(errno('EISDIR', '/tmp'))).toMatchObject({ code: 'file-eisdir', message: '/tmp is a folder, where a file was expected.' });
        expect(ReviveError.from(errno('EEXIST', '/x'))).toMatchObject({ code: 'file-eexist' });
        expect(ReviveError.from(errno('EEXIST', '/x')).nextStep).not.toMatch(/cable/);
        expect(ReviveError.from(new Error('other')).code).toBe('unexpected');
    });

    it('revive fastboot flash of a missing image names it without a cable hint', async () => {
        let err = '';
        const code = await main(['fastboot', 'flash', 'boot', '/nonexistent/x.img', '--virtual', 'shamu', '--owner', 'accept'], { out: () => undefined, err: (t) => void (err += t), interactive: false, signal: new AbortController().signal });
        expect(code).toBe(1);
        expect(err).toContain('/nonexistent/x.img does not exist');
        expect(err).not.toMatch(/ENOENT|cable/);
    });
});

describe('a ReviveError is made from a listed code and its facts only', () => {
    it('has no constructor that takes a sentence, and no code outside the typed list (typecheck fails otherwise)', () => {
        // Each line below must be a type error: if ReviveError took English words again, or any
        // string as a code, `npm run typecheck` would fail on the unused directive.
        // @ts-expect-error a sentence is not a code
        const english = (): ReviveError => new ReviveError({ code: 'x', message: 'Something broke.', nextStep: 'Try again.' }, {});
        // @ts-expect-error a code must be in common/error-codes.ts
        const unlisted = (): ReviveError => ReviveError.of('not-a-listed-code', {});
        // @ts-expect-error a code's facts are named by the list
        const noFacts = (): ReviveError => ReviveError.of('checksum-mismatch', { file: 'a.zip' });
        expect([english, unlisted, noFacts].every((make) => typeof make === 'function')).toBe(true);
        const coded = ReviveError.of('not-a-file', { file: '/x' });
        expect(coded.toJSON()).toEqual({ code: 'not-a-file', message: coded.message, nextStep: coded.nextStep, details: { file: '/x' } });
    });
});

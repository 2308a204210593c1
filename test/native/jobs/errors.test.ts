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

/**
 * A test file's temp folder with REVIVE_HOME inside it (`<dir>/home`), so nothing touches the real
 * ~/.config/revive: made before the file's tests, removed after them, REVIVE_HOME put back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

export interface TempHome {
    readonly dir: string;
    /** `dir/home`, also REVIVE_HOME while the file's tests run. */
    readonly home: string;
}

/** Call it at the top of a test file (or describe); its hooks run first and clean up last. */
export function tempHome(prefix: string): TempHome {
    let dir = '';
    const before = process.env['REVIVE_HOME'];
    beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), prefix));
        process.env['REVIVE_HOME'] = join(dir, 'home');
    });
    afterAll(() => {
        if (before === undefined) delete process.env['REVIVE_HOME'];
        else process.env['REVIVE_HOME'] = before;
        if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    });
    const made = (): string => {
        if (!dir) throw new Error('the temp folder is made in beforeAll');
        return dir;
    };
    return {
        get dir() {
            return made();
        },
        get home() {
            return join(made(), 'home');
        },
    };
}

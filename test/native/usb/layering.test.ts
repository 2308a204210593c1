/** native/ is the device layer: no file in it may import Electron, React or UI code. */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FORBIDDEN = /\bfrom\s+['"](electron|react|react-dom(\/[^'"]*)?|zustand|i18next|react-i18next|[^'"]*\/(electron|renderer)\/[^'"]*)['"]|import\(\s*['"](electron|react)['"]\s*\)/;

function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) return sources(path);
        return /\.(ts|tsx)$/.test(name) ? [path] : [];
    });
}

describe('native/ layering', () => {
    it('no file in native/ imports electron, react or anything under electron/ or renderer/', () => {
        const files = sources(join(ROOT, 'native'));
        expect(files.length).toBeGreaterThan(10);
        const offenders = files.filter((file) => FORBIDDEN.test(readFileSync(file, 'utf8')));
        expect(offenders).toEqual([]);
    });

    it('the linter rejects such an import in native/', async () => {
        const probe = join(ROOT, 'native', 'usb', `.layering-probe-${process.pid}.ts`);
        writeFileSync(probe, "import { app } from 'electron';\nimport { useState } from 'react';\nexport const x = [app, useState];\n");
        try {
            const eslint = new ESLint({ cwd: ROOT });
            const [result] = await eslint.lintFiles([probe]);
            const rules = (result?.messages ?? []).map((m) => m.ruleId);
            expect(rules.filter((r) => r === 'no-restricted-imports')).toHaveLength(2);
        } finally {
            rmSync(probe, { force: true });
        }
    });
});

/** The layer table and the cycle rule in eslint.config.js really reject what they say they do. */
import { describe, expect, it } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function ruleIds(code: string, file: string): Promise<string[]> {
    const [result] = await new ESLint({ cwd: ROOT }).lintText(code, { filePath: join(ROOT, file) });
    return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('revive/layers', () => {
    it('rejects imports the layer table does not allow', async () => {
        expect(await ruleIds("import { x } from '../../renderer/src/format.js';\nexport const y = x;\n", 'native/usb/probe.ts')).toEqual(['revive/layers']);
        expect(await ruleIds("import { x } from '../../native/usb/transport.js';\nexport const y = x;\n", 'renderer/src/probe.ts')).toEqual(['revive/layers']);
        expect(await ruleIds("import { x } from '../native/usb/transport.js';\nexport const y = x;\n", 'common/probe.ts')).toEqual(['revive/layers']);
        expect(await ruleIds("import { x } from '../app/backend.js';\nexport const y = x;\n", 'electron/api/probe.ts')).toEqual(['revive/layers']);
        expect(await ruleIds("export const load = () => import('../../electron/app/backend.js');\n", 'renderer/src/probe.ts')).toEqual(['revive/layers']);
        // The renderer may import the contract, but only its types.
        expect(await ruleIds("import { x } from '../../electron/api/contract.js';\nexport const y = x;\n", 'renderer/src/probe.ts')).toEqual(['revive/layers']);
    });

    it('lets each layer import what the table allows', async () => {
        expect(await ruleIds("import type { X } from '../../electron/api/contract.js';\nexport type Y = X;\n", 'renderer/src/probe.ts')).toEqual([]);
        expect(await ruleIds("import { x } from '../../common/probe.js';\nexport const y = x;\n", 'native/usb/probe.ts')).toEqual([]);
        expect(await ruleIds("import { x } from '../../native/usb/transport.js';\nexport const y = x;\n", 'electron/app/probe.ts')).toEqual([]);
        expect(await ruleIds("import { x } from '../../electron/app/backend.js';\nexport const y = x;\n", 'test/electron/probe.ts')).toEqual([]);
    });

    it('keeps packages out of the layers that may not use them', async () => {
        expect(await ruleIds("import { readFile } from 'node:fs/promises';\nexport const y = readFile;\n", 'common/probe.ts')).toEqual(['no-restricted-imports']);
        expect(await ruleIds("import { useState } from 'react';\nexport const y = useState;\n", 'common/probe.ts')).toEqual(['no-restricted-imports']);
        expect(await ruleIds("import { readFile } from 'node:fs/promises';\nexport const y = readFile;\n", 'renderer/src/probe.ts')).toEqual(['no-restricted-imports']);
    });
});

describe('revive/no-cycle', () => {
    it('rejects two modules that import each other, even by type or lazily', async () => {
        const a = join(ROOT, 'native', 'usb', `.cycle-probe-a-${process.pid}.ts`);
        const b = join(ROOT, 'native', 'usb', `.cycle-probe-b-${process.pid}.ts`);
        const c = join(ROOT, 'native', 'usb', `.cycle-probe-c-${process.pid}.ts`);
        writeFileSync(a, `import type { B } from './.cycle-probe-b-${process.pid}.js';\nexport interface A { b?: B }\n`);
        writeFileSync(b, `import { c } from './.cycle-probe-c-${process.pid}.js';\nexport interface B { c: typeof c }\n`);
        writeFileSync(c, `export const c = (): Promise<unknown> => import('./.cycle-probe-a-${process.pid}.js');\n`);
        try {
            const results = await new ESLint({ cwd: ROOT }).lintFiles([a, b, c]);
            const cycles = results.map((r) => r.messages.filter((m) => m.ruleId === 'revive/no-cycle'));
            expect(cycles.map((m) => m.length)).toEqual([1, 1, 1]);
            expect(cycles[0]?.[0]?.message).toContain(`.cycle-probe-a-${process.pid}.ts → native/usb/.cycle-probe-b-${process.pid}.ts → native/usb/.cycle-probe-c-${process.pid}.ts → native/usb/.cycle-probe-a-${process.pid}.ts`);
        } finally {
            for (const file of [a, b, c]) rmSync(file, { force: true });
        }
    });
});

/**
 * The compiled CLI takes Node's modules with process.getBuiltinModule() rather than an ES import,
 * whose facade runs every lazy getter of the module (scripts/build-node.js, builtinsWithoutFacade).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtinsWithoutFacade } from '../../scripts/build-node.js';

const dist = fileURLToPath(new URL('../../dist/node/', import.meta.url));

describe('builtinsWithoutFacade', () => {
    it('turns named and default imports of node: modules into getBuiltinModule at the top of the file', () => {
        const code = [
            'import { a } from "./chunk-A.js";',
            'var early = 1;',
            'import {',
            '  readFileSync,',
            '  statSync as statSync2',
            '} from "node:fs";',
            'import path from "node:path";',
            'import os, { homedir } from "node:os";',
            'use(readFileSync, statSync2, path, os, homedir);',
        ].join('\n');
        const out = builtinsWithoutFacade(code);
        expect(out.split('\n').slice(0, 4)).toEqual([
            'const { readFileSync, statSync: statSync2 } = process.getBuiltinModule("node:fs");',
            'const path = process.getBuiltinModule("node:path");',
            'const os = process.getBuiltinModule("node:os");',
            'const { homedir } = os;',
        ]);
        expect(out).toContain('import { a } from "./chunk-A.js";');
        expect(out).not.toMatch(/from "node:/);
    });

    it('leaves namespace imports, import() and other modules as they are', () => {
        const code = 'import * as fs from "node:fs";\nimport { z } from "zod";\nconst m = await import("node:net");\n';
        expect(builtinsWithoutFacade(code)).toBe(code);
    });

    it('leaves no named or default import of a node: module in the compiled CLI', () => {
        const files = [...readdirSync(dist).filter((f) => f.endsWith('.js')), ...readdirSync(join(dist, 'chunks')).map((f) => join('chunks', f))];
        const left = files.filter((file) => /^import (?!\* as )[^;]*? from "node:/m.test(readFileSync(join(dist, file), 'utf8')));
        expect(files.length).toBeGreaterThan(2);
        expect(left).toEqual([]);
    });
});

/**
 * Revive's own lint rules, for what no maintained plugin says the way we need it:
 * - `revive/layers`: a file may import another folder only if eslint.config.js's layer table lets
 *   its folder do so (VS Code's code-layering, with folders for layers);
 * - `revive/no-cycle`: no file reaches itself through its imports (static, type-only and dynamic
 *   `import()` alike: a cycle hidden behind a lazy import is still a cycle).
 * Both follow relative specifiers only; packages are the business of `no-restricted-imports`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const TYPES_ONLY = ' (types)';

/** The longest layer folder that holds `file`, or undefined for files outside every layer. */
function layerOf(root, layers, file) {
    const path = relative(root, file).split(sep).join('/');
    let found;
    for (const layer of Object.keys(layers)) {
        if ((path === layer || path.startsWith(`${layer}/`)) && (!found || layer.length > found.length)) found = layer;
    }
    return found;
}

/** `native` → `native/`, `electron/api (types)` → `electron/api/ (types)`. */
function folderName(layer) {
    return layer.endsWith(TYPES_ONLY) ? `${layer.slice(0, -TYPES_ONLY.length)}/${TYPES_ONLY}` : `${layer}/`;
}

function isFile(path) {
    try {
        return statSync(path).isFile();
    } catch {
        return false;
    }
}

/** The TypeScript file a relative specifier names (`./x.js` is `./x.ts` under NodeNext), if any. */
function resolveSpecifier(from, specifier) {
    if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
    const base = resolve(dirname(from), specifier);
    const stem = base.replace(/\.(js|jsx|mjs)$/, '');
    const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${base}.ts`, `${base}.tsx`, resolve(base, 'index.ts')];
    return candidates.find((path) => /\.(ts|tsx)$/.test(path) && isFile(path));
}

function isTypeOnly(node) {
    if (node.importKind === 'type' || node.exportKind === 'type') return true;
    const specifiers = node.specifiers ?? [];
    return specifiers.length > 0 && specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type');
}

/** Every import-like node with a literal source: import/export … from, and import(). */
function importVisitors(onImport) {
    const withSource = (node) => {
        if (node.source && typeof node.source.value === 'string') onImport(node, node.source.value);
    };
    return {
        ImportDeclaration: withSource,
        ExportNamedDeclaration: withSource,
        ExportAllDeclaration: withSource,
        ImportExpression(node) {
            if (node.source.type === 'Literal' && typeof node.source.value === 'string') onImport(node, node.source.value);
        },
    };
}

const layersRule = {
    meta: {
        type: 'problem',
        docs: { description: 'Imports across folders follow the layer table in eslint.config.js.' },
        schema: [{ type: 'object', properties: { root: { type: 'string' }, layers: { type: 'object' } }, required: ['root', 'layers'], additionalProperties: false }],
        messages: { forbidden: '{{from}}/ may not import {{to}}/{{how}}: the layer table in eslint.config.js lets {{from}}/ import {{allowed}}.' },
    },
    create(context) {
        const { root, layers } = context.options[0];
        const file = context.physicalFilename;
        const from = layerOf(root, layers, file);
        if (!from) return {};
        const allowed = layers[from].mayImport;
        return importVisitors((node, specifier) => {
            if (!specifier.startsWith('./') && !specifier.startsWith('../')) return;
            const to = layerOf(root, layers, resolve(dirname(file), specifier));
            if (!to || to === from || allowed.includes('*') || allowed.includes(to)) return;
            const typeOnly = node.type !== 'ImportExpression' && isTypeOnly(node);
            if (typeOnly && allowed.includes(to + TYPES_ONLY)) return;
            const how = allowed.includes(to + TYPES_ONLY) ? ' except as types (import type)' : '';
            context.report({ node, messageId: 'forbidden', data: { from, to, how, allowed: allowed.length ? allowed.map(folderName).join(', ') : 'nothing' } });
        });
    },
};

/** Each file's resolved imports, kept while the file is unchanged (one lint run reads each once). */
const importsCache = new Map();

function importsOf(file) {
    let mtime;
    try {
        mtime = statSync(file).mtimeMs;
    } catch {
        return [];
    }
    const cached = importsCache.get(file);
    if (cached && cached.mtime === mtime) return cached.imports;
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const imports = [...new Set(info.importedFiles.map((i) => resolveSpecifier(file, i.fileName)).filter(Boolean))];
    importsCache.set(file, { mtime, imports });
    return imports;
}

/** A path of imports from `start` back to `target`, or undefined. */
function pathBack(start, target) {
    const seen = new Set();
    const stack = [[start, [start]]];
    while (stack.length) {
        const [file, trail] = stack.pop();
        if (file === target) return trail;
        if (seen.has(file)) continue;
        seen.add(file);
        for (const next of importsOf(file)) if (!seen.has(next)) stack.push([next, [...trail, next]]);
    }
    return undefined;
}

const noCycleRule = {
    meta: {
        type: 'problem',
        docs: { description: 'No module reaches itself through its imports.' },
        schema: [{ type: 'object', properties: { root: { type: 'string' } }, required: ['root'], additionalProperties: false }],
        messages: { cycle: 'Import cycle: {{cycle}}. Move what both sides need into a module of its own.' },
    },
    create(context) {
        const { root } = context.options[0];
        const file = context.physicalFilename;
        if (!existsSync(file)) return {};
        const name = (path) => relative(root, path).split(sep).join('/');
        return importVisitors((node, specifier) => {
            const target = resolveSpecifier(file, specifier);
            if (!target || target === file) return;
            const trail = pathBack(target, file);
            if (trail) context.report({ node, messageId: 'cycle', data: { cycle: [file, ...trail].map(name).join(' → ') } });
        });
    },
};

export default {
    meta: { name: 'revive' },
    rules: { layers: layersRule, 'no-cycle': noCycleRule },
};

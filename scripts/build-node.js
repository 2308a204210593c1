#!/usr/bin/env node
/**
 * The Node-side programs that run without Electron, compiled to JavaScript in dist/node/: the `revive`
 * command (electron/cli.ts) and the browser bridge (electron/bridge/serve.ts). Node then starts them
 * without compiling TypeScript at run time. One esbuild bundle per program, split so a command's code
 * (and its packages, which stay in node_modules but for the ones in BUNDLED_PACKAGES) loads only
 * when the command runs.
 *
 * `node scripts/build-node.js` builds; `npm run build` does too. bin/revive.js and bin/start.js call
 * ensureBuilt(), which rebuilds only when a source file is newer than the build (a checkout being
 * edited) and esbuild, a devDependency, is installed.
 */
// Without an ES import, as the programs built here take them (see builtinsWithoutFacade).
const { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs');
const { dirname, join, relative } = process.getBuiltinModule('node:path');
const { fileURLToPath, pathToFileURL } = process.getBuiltinModule('node:url');

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'node');
const stampFile = join(outdir, 'inputs.json');

export const ENTRIES = { revive: 'electron/cli.ts', serve: 'electron/bridge/serve.ts' };

/** Each output file is written beside its place and renamed in, so a running `revive` never reads half a file. */
function writeAtomically(path, contents) {
    mkdirSync(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, contents);
    renameSync(temporary, path);
}

function filesUnder(dir) {
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/**
 * Packages compiled into the bundle instead of loaded from node_modules at run time. @yume-chan's adb
 * comes as some 200 small ES modules: resolving and loading them one by one cost every `revive adb …`
 * command more CPU than all of Revive's own code. zod, which every command that reads a recipe or a
 * record loads, is some 100 modules too: bundled, `revive fetch` reaches its first request about
 * 0.09 s sooner (0.17 s instead of 0.26 s to a recipe's answer, 0.15 s of CPU instead of 0.18 s).
 * Every other package (native ones like usb among them) stays in node_modules.
 */
const BUNDLED_PACKAGES = /^(@yume-chan\/|zod$|zod\/)/;

/** An esbuild plugin: bare imports stay external unless their package name matches `bundled`. */
function bundleOnly(bundled) {
    return {
        name: 'bundle-only',
        setup(build) {
            build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('node:') || !bundled.test(args.path) ? { path: args.path, external: true } : undefined));
        },
    };
}

/**
 * The English locale (electron/english-locale.ts) as a file beside the programs, read and parsed on
 * its first call: bundled as the object it is in the sources, its 216 KB were evaluated by every
 * command at start (~10 ms of CPU); bundled as text, they were still read, hashed against the
 * compile cache and loaded by every command (~3 ms), though most commands word no sentence at all
 * (a flash, a push). The locale file counts as an input of the build.
 */
const ENGLISH_LOCALE = 'renderer/locales/en/translation.json';
const LOCALE_FILE = 'english-locale.json';
function lazyEnglishLocale() {
    return {
        name: 'lazy-english-locale',
        setup(build) {
            build.onLoad({ filter: /[\\/]electron[\\/]english-locale\.ts$/ }, () => ({
                loader: 'js',
                // The module lands in an entry (dist/node/) or a chunk (dist/node/chunks/); the file is in dist/node/.
                contents: `import { readFileSync } from 'node:fs';\nconst file = new URL(new URL('.', import.meta.url).pathname.endsWith('/chunks/') ? '../${LOCALE_FILE}' : './${LOCALE_FILE}', import.meta.url);\nlet parsed;\nexport function englishLocale() {\n    return (parsed ??= JSON.parse(readFileSync(file, 'utf8')));\n}\n`,
                watchFiles: [join(root, ENGLISH_LOCALE)],
            }));
        },
    };
}

/**
 * Node's own modules taken with process.getBuiltinModule() instead of an ES import: importing one
 * builds its ES module facade, which reads every export and so runs the lazy getters behind them
 * (node:fs loads its streams and node:stream, node:util its TextDecoder, node:module the worker
 * machinery): a `revive fastboot flash` spent ~5 ms of CPU before its first byte on modules it
 * never used. A plugin cannot do this (esbuild then makes each builtin a chunk of its own, a file
 * more to load), so the static imports esbuild writes are rewritten; import() stays as it is.
 */
const BUILTIN_IMPORT = /^import ([^;]*?) from "(node:[^"]+)";$/gm;
export function builtinsWithoutFacade(code) {
    const taken = [];
    const rest = code.replace(BUILTIN_IMPORT, (statement, clause, name) => {
        const take = `process.getBuiltinModule(${JSON.stringify(name)})`;
        const named = /^(?:([\w$]+)\s*,\s*)?\{([^}]*)\}$/s.exec(clause.trim());
        if (named) {
            const bindings = named[2].split(',').map((part) => part.trim()).filter(Boolean).map((part) => part.replace(/\s+as\s+/, ': '));
            if (named[1]) taken.push(`const ${named[1]} = ${take};`);
            taken.push(`const { ${bindings.join(', ')} } = ${named[1] ?? take};`);
            return '';
        }
        // `import x` is the module's exports; a namespace (`* as x`) would differ in its `default`, so it stays an import.
        if (!/^[\w$]+$/.test(clause.trim())) return statement;
        taken.push(`const ${clause.trim()} = ${take};`);
        return '';
    });
    // First in the file, as the imports they replace were hoisted: code anywhere in it may use them.
    return taken.length === 0 ? code : `${taken.join('\n')}\n${rest}`;
}

export async function buildNode() {
    const { build } = await import('esbuild');
    const started = Date.now();
    const result = await build({
        absWorkingDir: root,
        entryPoints: ENTRIES,
        outdir,
        bundle: true,
        splitting: true,
        format: 'esm',
        platform: 'node',
        target: 'node22',
        plugins: [bundleOnly(BUNDLED_PACKAGES), lazyEnglishLocale()],
        chunkNames: 'chunks/[name]-[hash]',
        write: false,
        metafile: true,
        logLevel: 'error',
    });
    const outputs = new Set(result.outputFiles.map((file) => file.path));
    const localeText = readFileSync(join(root, ENGLISH_LOCALE), 'utf8');
    JSON.parse(localeText);
    writeAtomically(join(outdir, LOCALE_FILE), localeText);
    outputs.add(join(outdir, LOCALE_FILE));
    // The locale and chunks first, entries after them, the stamp last: whatever a reader finds is complete.
    const entryPaths = new Set(Object.keys(ENTRIES).map((name) => join(outdir, `${name}.js`)));
    const contents = (file) => builtinsWithoutFacade(file.text);
    for (const file of result.outputFiles.filter((f) => !entryPaths.has(f.path))) writeAtomically(file.path, contents(file));
    for (const file of result.outputFiles.filter((f) => entryPaths.has(f.path))) writeAtomically(file.path, contents(file));
    for (const path of filesUnder(outdir)) if (!outputs.has(path) && path !== stampFile && !path.endsWith('.tmp')) rmSync(path, { force: true });
    // Bundled packages count as one input: npm rewrites its lock file in node_modules on every install.
    const inputs = [...Object.keys(result.metafile.inputs).filter((path) => !path.startsWith('node_modules/')), ENGLISH_LOCALE, 'node_modules/.package-lock.json'];
    writeAtomically(stampFile, JSON.stringify({ built: started, inputs }));
    return { files: outputs.size, inputs: inputs.length, ms: Date.now() - started };
}

/** True when the build is missing, or a source it was made from changed since (sources absent, as in a package, count as unchanged). */
function stale() {
    let stamp;
    try {
        stamp = JSON.parse(readFileSync(stampFile, 'utf8'));
    } catch {
        return true;
    }
    // Every command pays for this loop: a plain concatenation (inputs are relative, '/'-separated) and
    // no exception per missing file halve its cost against path.join and try/catch.
    const prefix = `${root}/`;
    for (const input of stamp.inputs) {
        const stats = statSync(prefix + input, { throwIfNoEntry: false });
        if (stats !== undefined && stats.mtimeMs > stamp.built) return true;
    }
    return false;
}

/** The file URL of a compiled program (`revive` or `serve`), rebuilt first when its sources are newer. */
export async function ensureBuilt(name) {
    const entry = join(outdir, `${name}.js`);
    if (stale() || !existsSync(entry)) {
        try {
            await buildNode();
        } catch (error) {
            if (!existsSync(entry)) {
                const reason = error instanceof Error ? error.message : String(error);
                process.stderr.write(`Revive is not built (${relative(process.cwd(), entry)} is missing) and could not be built here: ${reason}\nRun \`npm ci\` and \`npm run build\` in ${root}.\n`);
                process.exit(1);
            }
            process.stderr.write(`Note: ${relative(process.cwd(), outdir)} is older than the sources and could not be rebuilt; \`npm run build\` does it.\n`);
        }
    }
    return pathToFileURL(entry).href;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
    const { files, inputs, ms } = await buildNode();
    process.stdout.write(`dist/node: ${files} files from ${inputs} sources in ${ms} ms\n`);
}

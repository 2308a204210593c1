#!/usr/bin/env node
// `npm start`: the Electron app when its runtime is installed; otherwise one line saying so, and
// the same UI served to a browser through the loopback bridge (the URL to open is printed).
// `npm start -- --usbip HOST:PORT` (repeatable) or REVIVE_USBIP=HOST:PORT[,…] also lists the phones
// those USB/IP servers export (a virtual phone, or a real one on another Linux machine's usbipd).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

function newestMtime(path) {
    const info = statSync(path);
    if (!info.isDirectory()) return info.mtimeMs;
    let newest = info.mtimeMs;
    for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
    return newest;
}

function stale(output, inputs) {
    if (!existsSync(output)) return true;
    const built = statSync(output).mtimeMs;
    return inputs.some((input) => existsSync(input) && newestMtime(input) > built);
}

function run(args, what) {
    const result = spawnSync(npx, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (result.status !== 0) {
        console.error(`${result.stderr ?? ''}Could not ${what} (${npx} ${args.join(' ')} exited with ${result.status}).`);
        process.exit(1);
    }
}

function buildRenderer() {
    const inputs = [join(root, 'renderer'), join(root, 'vite.config.ts')];
    if (stale(join(root, 'dist/renderer/index.html'), inputs)) run(['vite', 'build', '--logLevel', 'error'], 'build the window');
}

// Electron 45 downloads its runtime on the first require('electron') (it has no install script),
// which needs GitHub; look for an installed runtime the way its index.js does, without that download.
function electronBinary() {
    let packageDir;
    try {
        packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    } catch {
        return undefined;
    }
    const pathFile = join(packageDir, 'path.txt');
    const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8') : undefined;
    const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
    const path = override ? join(override, executable ?? 'electron') : executable && join(packageDir, 'dist', executable);
    return path && existsSync(path) ? path : undefined;
}

const USAGE = 'Usage: npm start [-- --usbip HOST:PORT]...   (or REVIVE_USBIP=HOST:PORT[,HOST:PORT...] npm start)';

/** `--usbip` and REVIVE_USBIP, read by the app's own reader (electron/phone-finding/usbip-sources.ts) from the bridge's build. */
function usbipSources(read) {
    let values;
    try {
        ({ values } = parseArgs({ args: process.argv.slice(2), options: { usbip: { type: 'string', multiple: true, default: [] } }, strict: true, allowPositionals: false }));
    } catch (error) {
        console.error(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
        process.exit(2);
    }
    const fromEnv = (process.env.REVIVE_USBIP ?? '').split(',').filter((s) => s.trim().length > 0);
    try {
        return read([...fromEnv, ...values.usbip]);
    } catch (error) {
        console.error(`${error instanceof Error ? error.message : String(error)}${error?.nextStep ? ` ${error.nextStep}` : ''}\n${USAGE}`);
        process.exit(2);
    }
}

const { ensureBuilt } = await import('../scripts/build-node.js');
const bridge = await import(await ensureBuilt('serve'));
const sources = usbipSources(bridge.usbipSources);
const electron = electronBinary();
buildRenderer();
if (electron) {
    if (stale(join(root, 'dist/electron/main.js'), [join(root, 'electron'), join(root, 'native')])) run(['tsc', '-p', 'tsconfig.build.json'], 'compile the app');
    if (stale(join(root, 'dist/electron/preload.cjs'), [join(root, 'electron/preload.ts'), join(root, 'electron/api')])) {
        run(['vite', 'build', '--mode', 'preload', '--logLevel', 'error'], 'bundle the preload');
    }
    // Electron main reads the USB/IP servers from REVIVE_USBIP (see electron/phone-finding/usbip-sources.ts).
    const child = spawn(electron, [root], { stdio: 'inherit', env: { ...process.env, REVIVE_USBIP: sources.join(',') } });
    child.on('exit', (code) => process.exit(code ?? 0));
} else {
    console.log('The Electron runtime is not installed here (`npx install-electron` downloads it), so Revive runs in your browser instead.');
    await bridge.serveInBrowser({ staticDir: join(root, 'dist/renderer'), usbipSources: sources });
}

/**
 * Where the shipped data (resources/manifests, resources/pit) lives: beside native/ in a checkout
 * (tests), a few levels above dist/native/ or dist/node/chunks/ in a build, inside the app folder when packaged.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

function resourcesRoot(): string {
    if (root) return root;
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let up = 0; up < 4; up++) {
        dir = dirname(dir);
        if (existsSync(join(dir, 'resources', 'manifests'))) return (root = join(dir, 'resources'));
    }
    throw new Error(`Revive's resources folder (resources/manifests) was not found above ${fileURLToPath(import.meta.url)}.`);
}

/** A path inside resources/, e.g. `resourcePath('pit', 'ks01ltexx.pit')`. */
export function resourcePath(...parts: string[]): string {
    return join(resourcesRoot(), ...parts);
}

let version: string | undefined;

/** Revive's own version (package.json beside resources/), recorded in what it writes. */
export function reviveVersion(): string {
    if (version) return version;
    const parsed = JSON.parse(readFileSync(join(resourcesRoot(), '..', 'package.json'), 'utf8')) as { version?: unknown };
    return (version = typeof parsed.version === 'string' ? parsed.version : 'unknown');
}

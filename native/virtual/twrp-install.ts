/**
 * How the virtual recovery checks and "installs" a flashable zip, for `adb sideload` and
 * `twrp install`: it must be a zip with an update-binary, and the metadata `pre-device` and the
 * updater-script's LineageOS-style device assert must name this phone, else the install aborts with
 * the updater's own words: `E3004: This package is for device: X; this device is Y.`
 */
import type { ServiceContext } from './adbd-service.js';
import { openZip } from './adbd-zip.js';
import { appendRecoveryLog } from './twrp-log.js';
import { hashFile } from '../integrity/hash.js';

// Real packages keep the updater under META-INF/com/google/android/; metadata under META-INF/com/android/.
const UPDATE_BINARIES = ['META-INF/com/google/android/update-binary', 'META-INF/com/android/update-binary'];
const UPDATER_SCRIPTS = ['META-INF/com/google/android/updater-script', 'META-INF/com/android/updater-script'];
const METADATA = 'META-INF/com/android/metadata';

export interface InstallOutcome {
    readonly ok: boolean;
    /** The lines recovery prints (the error line on failure). */
    readonly lines: string[];
}

function parseProperties(text: string): Map<string, string> {
    const props = new Map<string, string>();
    for (const line of text.split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0 && !line.startsWith('#')) props.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
    }
    return props;
}

/** Device names the updater-script asserts on: `getprop("ro.product.device") == "X"`. */
export function assertedDevices(script: string): string[] {
    const names = new Set<string>();
    for (const match of script.matchAll(/getprop\("ro\.(?:product\.device|build\.product)"\)\s*==\s*"([^"]+)"/g)) {
        if (match[1]) names.add(match[1]);
    }
    return [...names];
}

/** `brand/name/device:VERSION/ID/INCREMENTAL:type/tags` → VERSION. */
function versionFromFingerprint(fingerprint: string): string | undefined {
    return /^[^/]+\/[^/]+\/[^:]+:([^/]+)\//.exec(fingerprint)?.[1];
}

export async function installPackage(hostPath: string, fileName: string, context: ServiceContext): Promise<InstallOutcome> {
    const { phone } = context;
    const lines = [`Installing zip file '${fileName}'`];
    const failWith = async (line: string): Promise<InstallOutcome> => {
        lines.push(line, 'Updater process ended with ERROR: 1', `Error installing zip file '${fileName}'`);
        await appendRecoveryLog(context, lines);
        return { ok: false, lines };
    };
    let zip;
    try {
        zip = await openZip(hostPath);
    } catch {
        return failWith('Invalid zip file format!');
    }
    try {
        if (!UPDATE_BINARIES.some((name) => zip.names.includes(name))) return await failWith("Could not find 'META-INF/com/google/android/update-binary' in the zip file.");
        const metadata = parseProperties((await zip.readText(METADATA)) ?? '');
        const scriptName = UPDATER_SCRIPTS.find((name) => zip.names.includes(name));
        const script = scriptName ? ((await zip.readText(scriptName, 4 * 1024 * 1024)) ?? '') : '';
        const codenames = phone.recipe.codenames;
        const thisDevice = codenames[0] ?? phone.recipe.id;
        const preDevice = (metadata.get('pre-device') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
        const asserted = assertedDevices(script);
        for (const wanted of [preDevice, asserted]) {
            if (wanted.length > 0 && !wanted.some((name) => codenames.includes(name))) {
                return await failWith(`E3004: This package is for device: ${wanted.join(',')}; this device is ${thisDevice}.`);
            }
        }
        if (phone.faults.failNext === 'sideload' || phone.faults.failNext === 'any') {
            phone.faults.failNext = undefined;
            return await failWith('E1001: Failed to update system image.');
        }
        const postBuild = metadata.get('post-build');
        phone.state.installed.push({ id: postBuild ?? fileName, fileName, sha256: (await hashFile(hostPath)).sha256, installedAt: new Date().toISOString() });
        if (postBuild) {
            phone.state.buildFingerprint = postBuild;
            phone.state.androidVersion = versionFromFingerprint(postBuild) ?? phone.state.androidVersion;
        }
        await phone.saveState();
        lines.push(...(postBuild ? [`Target: ${postBuild}`] : []), 'Updating partition details...', '...done');
        await appendRecoveryLog(context, lines);
        return { ok: true, lines };
    } finally {
        await zip.close();
    }
}

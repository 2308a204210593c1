/** Files that hold key material: created 0600 (owner read/write only), whatever the umask. */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function writeSecretFile(path: string, data: string | Uint8Array): Promise<void> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, data, { mode: 0o600 });
    // writeFile keeps the mode of an existing file, so tighten it explicitly.
    await chmod(path, 0o600);
}

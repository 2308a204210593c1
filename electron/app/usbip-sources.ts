/** The USB/IP servers the app watches besides local USB: `REVIVE_USBIP=HOST:PORT[,HOST:PORT…]` (bin/start.js also folds `--usbip` into it). */
import { parseHostPort } from '../../native/usbip/client.js';

export function usbipSourcesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
    const addresses = (env['REVIVE_USBIP'] ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    // A malformed address throws a ReviveError that names it and shows the HOST:PORT form.
    for (const address of addresses) parseHostPort(address);
    return [...new Set(addresses)];
}

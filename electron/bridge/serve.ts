/** `npm start` without the Electron runtime: the backend plus the bridge, until Ctrl-C. */
import { createBackend } from '../app/backend.js';
import { startBridge } from './server.js';

/** bin/start.js reads `--usbip` and REVIVE_USBIP with the app's own reader (one way to name a phone). */
export { usbipSources } from '../phone-finding/usbip-sources.js';

export async function serveInBrowser(options: { staticDir: string; port?: number | undefined; usbipSources?: readonly string[] | undefined }): Promise<void> {
    const usbipSources = options.usbipSources ?? [];
    const backend = createBackend({ usbipSources });
    const bridge = await startBridge({ backend, staticDir: options.staticDir, port: options.port });
    for (const address of usbipSources) process.stdout.write(`Looking for phones on the USB/IP server ${address} too.\n`);
    process.stdout.write(`Open this address in your browser: ${bridge.url}\n`);
    const stop = (): void => {
        void bridge.close().then(() => backend.close()).then(() => process.exit(0));
    };
    // Closing the terminal sends SIGHUP: end as for Ctrl-C, so the uploads folder is removed too.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, stop);
}

/**
 * A bridge in its own process for the hostile-client test: prints its port and token as one JSON
 * line, and stays up until killed. If a client could crash it, the process would exit on its own.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBackend } from '../../../electron/app/backend.js';
import { startBridge } from '../../../electron/bridge/server.js';

const home = mkdtempSync(join(tmpdir(), 'revive-bridge-host-'));
writeFileSync(join(home, 'index.html'), '<!doctype html><title>x</title>');
const backend = createBackend({ home, localUsb: false });
const bridge = await startBridge({ backend, staticDir: home });
process.stdout.write(`${JSON.stringify({ port: bridge.port, token: bridge.token })}\n`);

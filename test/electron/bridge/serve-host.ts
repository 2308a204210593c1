/** `npm start`'s bridge (serveInBrowser) in its own process, for the signal test. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveInBrowser } from '../../../electron/bridge/serve.js';

const staticDir = mkdtempSync(join(tmpdir(), 'revive-serve-static-'));
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>x</title>');
await serveInBrowser({ staticDir, port: 0 });

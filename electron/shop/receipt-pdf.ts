/**
 * A receipt's PDF, printed from its HTML page by the system's Chromium (`--print-to-pdf`), so the
 * PDF is exactly the page a person sees. Where no Chromium is installed there is no PDF, and we say so.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readHead } from '../../native/files/read-head.js';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { ReviveError } from '../../native/jobs/errors.js';

const run = promisify(execFile);

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'];

export function findChromium(): string | undefined {
    const fromEnv = process.env['REVIVE_CHROMIUM'];
    if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
    return CANDIDATES.find((path) => existsSync(path));
}

/** Print `html` (a receipt page on disk) to `pdf`. */
export async function printReceiptPdf(html: string, pdf: string, chromium: string | undefined = findChromium()): Promise<void> {
    if (!chromium) {
        throw ReviveError.of('pdf-unavailable', {});
    }
    // The page has no scripts and a CSP of default-src 'none'; as root Chromium refuses to start with its sandbox.
    const sandbox = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    try {
        await run(chromium, ['--headless', ...sandbox, '--disable-gpu', '--no-first-run', '--disable-background-networking', '--no-pdf-header-footer', `--print-to-pdf=${pdf}`, pathToFileURL(html).href], { timeout: 120_000 });
    } catch (error) {
        // Chromium's own first line says why.
        throw ReviveError.of('pdf-failed', { variant: 'failed', html, pdf, problem: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error) });
    }
    // The magic alone: Chromium's PDF of a long receipt need not be read into memory to tell.
    let head = '';
    try {
        head = Buffer.from(readHead(pdf, 5, 'receipt').head).toString('latin1');
    } catch {
        // No file, or not a regular one: Chromium made no PDF, which the refusal below says.
    }
    if (head !== '%PDF-') throw ReviveError.of('pdf-failed', { variant: 'no-pdf', html, pdf });
}

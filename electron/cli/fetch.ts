/** `revive fetch`: download a phone's files from where its recipe says they are published, verified. */
import { constants } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fetchRecipeFile, type DownloadContext, type FetchedFile } from '../../native/download/fetch-file.js';
import { originPath } from '../../native/download/cache.js';
import { ReviveError } from '../../native/jobs/errors.js';
import { appHome } from '../../native/jobs/journal.js';
import { requireRecipe } from '../../native/manifests/load.js';
import { FileRole, type Recipe } from '../../native/manifests/schema.js';
import { CliUsageError, type CliCommand, type CliIo } from './command.js';
import { progressPrinter } from './progress.js';

/** Where the download job reports to on the terminal (stderr, so --json output stays clean). */
export function downloadContext(io: CliIo, home: string, quiet: boolean): DownloadContext {
    return quiet ? { home, signal: io.signal } : { home, signal: io.signal, onLog: (line) => io.err(`${line}\n`), onProgress: progressPrinter(io) };
}

function describe(file: FetchedFile): string {
    const how = file.fromCache ? 'from the cache' : `from ${file.source}`;
    return `${file.role}: ${file.name} (${file.sizeBytes} bytes, SHA-256 ${file.sha256}) ${how}; checked: ${file.checks.join(', ')}\n`;
}

/** Download every `roles` file the recipe publishes; throws the first failure. */
export async function fetchRoles(recipe: Recipe, roles: readonly FileRole[], ctx: DownloadContext): Promise<FetchedFile[]> {
    const fetched: FetchedFile[] = [];
    for (const role of roles) {
        const download = recipe.downloads.find((d) => d.role === role);
        if (!download) {
            throw ReviveError.of('download-unknown', { role, phone: recipe.name });
        }
        try {
            fetched.push(await fetchRecipeFile(recipe, download, ctx));
        } catch (error) {
            // Ctrl-C wherever the download was (connecting, a proxy's CONNECT, the body): one answer.
            if (ctx.signal?.aborted) throw ReviveError.of('cancelled', { variant: 'fetch', what: download.name }, { cause: error });
            throw error;
        }
    }
    return fetched;
}

const fetch: CliCommand = {
    name: 'fetch',
    usage: [
        'revive fetch CODENAME [--role rom|gapps|su|recovery]... [--to DIR] [--json]',
        '  Without --role: every file the recipe can download; the others are listed with the page to get them by hand.',
        '  --to DIR   copy the verified files there too (with the record of where they came from)',
        '  Files are kept in the app data folder (downloads/CODENAME), so the next phone needs no download.',
        '  REVIVE_DOWNLOAD_BASE=URL serves every source from URL/<host>/<path> (a local mirror); HTTPS_PROXY is honoured.',
    ].join('\n'),
    async run(args: readonly string[], io: CliIo): Promise<number> {
        const { values, positionals } = parseArgs({
            args: [...args],
            options: { role: { type: 'string', multiple: true, default: [] }, to: { type: 'string' }, json: { type: 'boolean', default: false }, home: { type: 'string' } },
            strict: true,
            allowPositionals: true,
        });
        const [codename, ...extra] = positionals;
        if (!codename || extra.length > 0) throw new CliUsageError('Name one phone: revive fetch CODENAME.');
        const roles = (values.role ?? []).map((role) => {
            const parsed = FileRole.safeParse(role);
            if (!parsed.success) throw new CliUsageError(`--role takes recovery, rom, gapps or su, not "${role}".`);
            return parsed.data;
        });
        const recipe = requireRecipe(codename);
        const json = values.json ?? false;
        const ctx = downloadContext(io, values.home ?? appHome(), json);
        const wanted = roles.length > 0 ? roles : recipe.downloads.filter((d) => d.availability === 'published').map((d) => d.role);
        const fetched = await fetchRoles(recipe, wanted, ctx);
        if (values.to) {
            await mkdir(values.to, { recursive: true });
            for (const file of fetched) {
                // Verified already: copied by the kernel (a reflink where the file system can), never read or hashed again.
                await copyFile(file.path, join(values.to, file.name), constants.COPYFILE_FICLONE);
                await copyFile(originPath(file.path), originPath(join(values.to, file.name)));
            }
        }
        const byHand = roles.length > 0 ? [] : recipe.downloads.filter((d) => d.availability !== 'published');
        if (json) {
            io.out(`${JSON.stringify({ fetched: fetched.map((f) => ({ ...f, path: values.to ? join(values.to, f.name) : f.path })), byHand })}\n`);
            return 0;
        }
        for (const file of fetched) io.out(describe(file));
        for (const d of byHand) io.out(`${d.role}: get it by hand from ${d.manualPage}${d.note ? ` — ${d.note}` : ''}\n`);
        return 0;
    },
};

export const commands: readonly CliCommand[] = [fetch];

/**
 * `npm run bench`: runs every bench/*.bench.ts module and prints ours vs the reference tool measured
 * in the same run, as a ratio (reference seconds / our seconds: above 1 means we are faster).
 * Speed and memory goals are read from here, never asserted as timed tests.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { BenchModule, BenchResult } from './types.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(dir)
    .filter((name) => name.endsWith('.bench.ts'))
    .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
    .sort();

const results: BenchResult[] = [];
let failed = 0;
for (const file of files) {
    process.stdout.write(`running ${file} …\n`);
    try {
        const module = (await import(pathToFileURL(join(dir, file)).href)) as BenchModule;
        for (const result of await module.run()) {
            results.push(result);
            process.stdout.write(`  ${format(result)}\n`);
        }
    } catch (error) {
        failed++;
        process.stdout.write(`  FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    }
}

function format(result: BenchResult): string {
    const ours = `ours ${result.ours.seconds.toFixed(2)} s`;
    const rss = result.ours.peakRssMB === undefined ? '' : `, peak RSS ${result.ours.peakRssMB.toFixed(0)} MB`;
    const reference = result.reference
        ? `; ${result.reference.tool} ${result.reference.seconds.toFixed(2)} s; ratio ${(result.reference.seconds / result.ours.seconds).toFixed(2)}x`
        : '';
    return `${result.name}: ${ours}${rss}${reference}${result.notes ? ` (${result.notes})` : ''}`;
}

process.stdout.write('\nSummary (ratio = reference time / our time; > 1 means Revive is faster)\n');
for (const result of results) process.stdout.write(`  ${format(result)}\n`);
process.exitCode = failed > 0 ? 1 : 0;

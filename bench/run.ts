/**
 * `npm run bench [filter…]`: runs every bench/*.bench.ts module, each in a process of its own (so a
 * module's peak memory is its own), and prints ours vs the reference tool measured in the same run,
 * as a ratio (reference seconds / our seconds: above 1 means we are faster).
 * Speed and memory goals are read from here, never asserted as timed tests.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { BenchModule, BenchResult } from './types.js';

const RESULT_PREFIX = 'BENCH_RESULTS ';
const dir = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);

if (args[0] === '--child') {
    // One module, in this process; the parent reads the results from the last line.
    const module = (await import(pathToFileURL(join(dir, args[1] ?? '')).href)) as BenchModule;
    const results = await module.run();
    process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(results)}\n`);
} else {
    const files = readdirSync(dir)
        .filter((name) => name.endsWith('.bench.ts'))
        .filter((name) => args.length === 0 || args.some((word) => name.includes(word)))
        .sort();
    const results: BenchResult[] = [];
    let failed = 0;
    for (const file of files) {
        process.stdout.write(`running ${file} …\n`);
        const child = spawnSync(process.execPath, [fileURLToPath(new URL('../bin/bench.js', import.meta.url)), '--child', file], {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'inherit'],
            maxBuffer: 64 * 1024 * 1024,
        });
        const line = child.stdout.split('\n').find((text) => text.startsWith(RESULT_PREFIX));
        if (child.status !== 0 || !line) {
            failed++;
            process.stdout.write(`  FAILED (exit ${child.status ?? child.signal}):\n${child.stdout}\n`);
            continue;
        }
        for (const result of JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchResult[]) {
            results.push(result);
            process.stdout.write(`  ${format(result)}\n`);
        }
    }
    process.stdout.write('\nSummary (ratio = reference time / our time; > 1 means Revive is faster)\n');
    for (const result of results) process.stdout.write(`  ${format(result)}\n`);
    process.exitCode = failed > 0 ? 1 : 0;
}

function format(result: BenchResult): string {
    const ours = `ours ${result.ours.seconds.toFixed(2)} s`;
    const rss = result.ours.peakRssMB === undefined ? '' : `, peak RSS ${result.ours.peakRssMB.toFixed(0)} MB`;
    const reference = result.reference
        ? `; ${result.reference.tool} ${result.reference.seconds.toFixed(2)} s; ratio ${(result.reference.seconds / result.ours.seconds).toFixed(2)}x`
        : '';
    return `${result.name}: ${ours}${rss}${reference}${result.notes ? ` (${result.notes})` : ''}`;
}

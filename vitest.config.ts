import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
    test: {
        include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
        // Tests that spawn `revive` run the compiled CLI: built once, before them.
        globalSetup: ['test/support/build-node.ts'],
        // Coded errors get their English words from the locale file, as in the CLI and the backend.
        setupFiles: ['test/support/english-wording.ts'],
        // Peer tests drive real tools (heimdall, fastboot, adb, chromium) against the virtual phone;
        // they are slower than unit tests but must still finish well inside CI's budget.
        testTimeout: 120_000,
        hookTimeout: 120_000,
        pool: 'forks',
        // Two files at a time even on two cores (vitest's default there is one, cores - 1): most of a
        // peer or UI test is waiting on a phone, a browser or a child process, not computing, so a
        // second file fills that time. Every test is meant to hold under load (generous bounds on
        // waits that end on an event); more cores get vitest's usual cores - 1.
        maxWorkers: Math.max(2, availableParallelism() - 1),
        reporters: ['default'],
    },
});

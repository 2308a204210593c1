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
        reporters: ['default'],
    },
});

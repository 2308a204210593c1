import { describe, expect, it } from 'vitest';
import { catalog, loadCommand } from '../../../electron/cli/index.js';

describe('the command catalog', () => {
    it('names each command once, and each group module defines exactly the commands the catalog gives it', async () => {
        const names = catalog.map((entry) => entry.name);
        expect(new Set(names).size).toBe(names.length);
        for (const entry of catalog) expect((await loadCommand(entry)).name).toBe(entry.name);
        for (const load of new Set(catalog.map((entry) => entry.load))) {
            const defined = (await load()).commands.map((command) => command.name).sort();
            expect(defined).toEqual(catalog.filter((entry) => entry.load === load).map((entry) => entry.name).sort());
        }
    });
});

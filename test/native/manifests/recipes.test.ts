import { describe, expect, it } from 'vitest';
import { findRecipe, loadRecipes, parseRecipe } from '../../../native/manifests/load.js';

describe('device recipes', () => {
    it('every recipe in resources/manifests validates and is named after its id', () => {
        const recipes = loadRecipes();
        expect(recipes.map((r) => r.id)).toEqual(expect.arrayContaining(['ks01ltexx', 'shamu']));
    });

    it('finds a phone by alias or model number', () => {
        expect(findRecipe('ks01lte')?.id).toBe('ks01ltexx');
        expect(findRecipe('gt-i9506')?.id).toBe('ks01ltexx');
        expect(findRecipe('nosuchphone')).toBeUndefined();
    });

    it('refuses a recipe with a malformed checksum, naming the field', () => {
        const [recipe] = loadRecipes();
        const broken = { ...recipe, knownFiles: [{ role: 'rom', name: 'x.zip', sha256: 'abc' }] };
        expect(() => parseRecipe(broken, 'broken.json')).toThrow(/knownFiles\.0\.sha256/);
    });

    it('a download names its file and role as the known-good file does, and its pinned SHA-256 is that file\'s', () => {
        for (const recipe of loadRecipes()) {
            for (const download of recipe.downloads) {
                const known = recipe.knownFiles.find((k) => k.name === download.name);
                if (known) expect(known.role, `${recipe.id} ${download.name}`).toBe(download.role);
                for (const source of download.sources) {
                    if (source.sha256 && known) expect(source.sha256, `${recipe.id} ${source.url}`).toBe(known.sha256);
                }
            }
        }
    });

    it('refuses a published download without a way to prove its bytes, and a plain-http source', () => {
        const [recipe] = loadRecipes();
        const download = { role: 'gapps', name: 'x.zip', manualPage: 'https://example.org/', availability: 'published' };
        expect(() => parseRecipe({ ...recipe, downloads: [{ ...download, sources: [{ url: 'https://example.org/x.zip' }] }] }, 'b.json')).toThrow(/sha256 or the publisher's checksumUrl/);
        expect(() => parseRecipe({ ...recipe, downloads: [{ ...download, sources: [{ url: 'http://example.org/x.zip', sha256: 'a'.repeat(64) }] }] }, 'b.json')).toThrow(/https/);
        expect(() => parseRecipe({ ...recipe, downloads: [{ ...download, sources: [] }] }, 'b.json')).toThrow(/needs sources/);
    });
});

describe('broken recipe files', () => {
    it('names the file of a recipe that is not valid JSON, and refuses a recipe that is a device', async () => {
        const { mkdtempSync, rmSync, symlinkSync, writeFileSync } = await import('node:fs');
        const { tmpdir } = await import('node:os');
        const { join } = await import('node:path');
        const dir = mkdtempSync(join(tmpdir(), 'revive-recipes-'));
        try {
            writeFileSync(join(dir, 'broken.json'), '{"id": "broken",');
            expect(() => loadRecipes(dir)).toThrow(expect.objectContaining({ code: 'recipe-invalid', message: expect.stringMatching(/broken\.json is not valid JSON/) }));
            rmSync(join(dir, 'broken.json'));
            symlinkSync('/dev/zero', join(dir, 'zero.json'));
            expect(() => loadRecipes(dir)).toThrow(expect.objectContaining({ code: 'file-not-regular', message: expect.stringMatching(/zero\.json/) }));
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

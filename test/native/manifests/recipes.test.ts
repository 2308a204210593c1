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

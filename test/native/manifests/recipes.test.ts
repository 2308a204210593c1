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

/** Loading and validating device recipes from resources/manifests. */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readLimitedTextSync } from '../files/read-limited.js';
import { ReviveError } from '../jobs/errors.js';
import { Recipe } from './schema.js';
import { resourcePath } from '../resources.js';
import { appHome } from '../jobs/journal.js';

export const MANIFEST_DIR = resourcePath('manifests');

export function parseRecipe(json: unknown, source: string): Recipe {
    const result = Recipe.safeParse(json);
    if (!result.success) {
        const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(top)'}: ${issue.message}`).join('; ');
        throw ReviveError.of('recipe-invalid', { file: source, problems, variant: 'schema' });
    }
    return result.data;
}

/** A recipe is a few KiB of JSON. */
const RECIPE_MAX_BYTES = 1024 * 1024;

/** One recipe file, read and checked; every failure names the file. */
export function readRecipeFile(path: string): Recipe {
    const text = readLimitedTextSync(path, { what: 'recipe', maxBytes: RECIPE_MAX_BYTES });
    let json: unknown;
    try {
        json = JSON.parse(text);
    } catch (error) {
        throw ReviveError.of('recipe-invalid', { file: path, problems: (error as Error).message, variant: 'json' }, { cause: error });
    }
    return parseRecipe(json, path);
}

function readRecipeDir(dir: string): Recipe[] {
    return readdirSync(dir)
        .filter((name) => name.endsWith('.json'))
        .sort()
        .map((name) => readRecipeFile(join(dir, name)));
}

/** A repair shop's own recipes: `<app data>/recipes/*.json`, read after the shipped ones. */
export function shopRecipesDir(home: string = appHome()): string {
    return join(home, 'recipes');
}

/**
 * The recipes in `dir`; by default the shipped ones plus the shop's own, where a shop recipe with
 * the same id replaces the shipped one (e.g. with a local mirror among its download sources).
 */
export function loadRecipes(dir?: string): Recipe[] {
    if (dir !== undefined) return readRecipeDir(dir);
    const shop = shopRecipesDir();
    const own = existsSync(shop) ? readRecipeDir(shop) : [];
    const ids = new Set(own.map((r) => r.id));
    return [...readRecipeDir(MANIFEST_DIR).filter((r) => !ids.has(r.id)), ...own].sort((a, b) => a.id.localeCompare(b.id));
}

/** Find a recipe by any codename or model number (case-insensitive), e.g. `ks01lte`, `GT-I9506`. */
export function findRecipe(nameOrModel: string, recipes: readonly Recipe[] = loadRecipes()): Recipe | undefined {
    const wanted = nameOrModel.toLowerCase();
    return recipes.find(
        (recipe) =>
            recipe.id === wanted ||
            recipe.codenames.some((codename) => codename.toLowerCase() === wanted) ||
            recipe.models.some((model) => model.toLowerCase() === wanted),
    );
}

export function requireRecipe(nameOrModel: string): Recipe {
    const recipe = findRecipe(nameOrModel);
    if (!recipe) {
        const known = loadRecipes().map((r) => `${r.id} (${r.name})`).join(', ');
        throw ReviveError.of('recipe-unknown', { recipe: nameOrModel, known, variant: 'named' });
    }
    return recipe;
}

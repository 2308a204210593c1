/** Recipes as the wizard shows them: which files, what happens in which order, what is erased. */
import type { Recipe } from '../../native/manifests/schema.js';
import type { RecipeView } from '../api/contract.js';

/** TWRP names of the partitions a clean install wipes (system, data, cache) or replaces (boot). */
const WIPED_BY_INSTALL = new Set(['system', 'data', 'cache', 'boot']);

export function toRecipeView(recipe: Recipe): RecipeView {
    const optional = new Set(['gapps', 'su']);
    const roles = ['recovery' as const, ...recipe.installOrder];
    const steps: RecipeView['steps'] = [];
    if (recipe.unlock.method !== 'none') steps.push({ kind: 'unlock', detail: recipe.unlock.method });
    steps.push({ kind: 'flash-recovery', detail: recipe.recoveryPartition });
    steps.push({ kind: 'boot-recovery', detail: recipe.keyCombos.recovery.picture });
    steps.push({ kind: 'backup', detail: recipe.partitions.filter((p) => p.twrpName).map((p) => p.twrpName).join(', ') });
    steps.push({ kind: 'wipe', detail: recipe.partitions.filter((p) => p.twrpName && WIPED_BY_INSTALL.has(p.twrpName)).map((p) => p.name).join(', ') });
    for (const role of recipe.installOrder) steps.push({ kind: 'install', detail: role });
    steps.push({ kind: 'reboot', detail: 'android' });

    const erased = new Set(recipe.partitions.filter((p) => p.twrpName && WIPED_BY_INSTALL.has(p.twrpName)).map((p) => p.name));
    erased.add(recipe.recoveryPartition);
    if (recipe.unlock.wipesData) for (const p of recipe.partitions) if (p.twrpName === 'data') erased.add(p.name);

    const keyCombos: RecipeView['keyCombos'] = {};
    for (const [mode, combo] of Object.entries(recipe.keyCombos)) {
        if (combo) keyCombos[mode] = { buttons: [...combo.buttons], instructions: combo.instructions, picture: combo.picture };
    }
    return {
        id: recipe.id,
        name: recipe.name,
        manufacturer: recipe.manufacturer,
        models: [...recipe.models],
        method: recipe.method,
        minBatteryPercent: recipe.minBatteryPercent,
        files: roles.map((role) => ({
            role,
            required: !optional.has(role),
            suggestedName: recipe.knownFiles.find((file) => file.role === role)?.name ?? null,
        })),
        steps,
        erases: recipe.partitions.filter((p) => erased.has(p.name)).map((p) => ({ name: p.name, sizeBytes: p.sizeBytes })),
        keyCombos,
        unlock: { ...recipe.unlock },
        caveats: [...recipe.caveats],
    };
}

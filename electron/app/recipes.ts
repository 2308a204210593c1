/** Recipes as the wizard shows them: which files, what happens in which order, what is erased. */
import type { Recipe } from '../../native/manifests/schema.js';
import { cachedDownload } from '../../native/download/cache.js';
import type { RecipeView } from '../api/contract.js';
import { planFacts } from '../jobs/upgrade.js';
import { planSteps, STEP_IDS } from '../jobs/upgrade/steps.js';

/** TWRP names of the partitions a clean install wipes (system, data, cache) or replaces (boot). */
const WIPED_BY_INSTALL = new Set(['system', 'data', 'cache', 'boot']);

/** What the review lists, from the upgrade's own step table (with every file given and a backup). */
function reviewSteps(recipe: Recipe): RecipeView['steps'] {
    const all = { recovery: 'recovery', rom: 'rom', gapps: 'gapps', su: 'su' };
    const plan = planFacts(recipe, { files: all });
    const steps: RecipeView['steps'] = [];
    for (const step of planSteps(plan)) {
        const [kind, role] = step.id.split(':');
        if (kind === 'install' && role) steps.push({ kind: 'install', detail: role });
        else if (step.id === STEP_IDS.saveStorage) steps.push({ kind: 'save-storage', detail: '' });
        else if (step.id === STEP_IDS.unlock && recipe.unlock.method !== 'none') steps.push({ kind: 'unlock', detail: recipe.unlock.method });
        else if (step.id === STEP_IDS.flashRecovery) steps.push({ kind: recipe.abSlots ? 'start-recovery' : 'flash-recovery', detail: recipe.recoveryPartition });
        else if (step.id === STEP_IDS.enterRecovery && !recipe.abSlots) steps.push({ kind: 'boot-recovery', detail: recipe.keyCombos.recovery.picture });
        else if (step.id === STEP_IDS.backup) steps.push({ kind: 'backup', detail: recipe.partitions.filter((p) => p.twrpName).map((p) => p.twrpName).join(', ') });
        else if (step.id === STEP_IDS.wipe) steps.push({ kind: 'wipe', detail: recipe.partitions.filter((p) => p.twrpName && WIPED_BY_INSTALL.has(p.twrpName)).map((p) => p.name).join(', ') });
        else if (step.id === STEP_IDS.reboot) steps.push({ kind: 'reboot', detail: 'android' });
    }
    return steps;
}

function downloadView(recipe: Recipe, role: Recipe['installOrder'][number] | 'recovery', home: string | undefined): RecipeView['files'][number]['download'] {
    const download = recipe.downloads.find((d) => d.role === role);
    if (!download) return null;
    return {
        availability: download.availability,
        name: download.name,
        manualPage: download.manualPage,
        note: download.note ?? null,
        sizeBytes: download.sources.find((s) => s.sizeBytes !== undefined)?.sizeBytes ?? null,
        cached: cachedDownload(recipe, download, home) !== undefined,
    };
}

export function toRecipeView(recipe: Recipe, home?: string): RecipeView {
    const optional = new Set(['gapps', 'su']);
    const roles = ['recovery' as const, ...recipe.installOrder];
    const steps = reviewSteps(recipe);

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
            download: downloadView(recipe, role, home),
        })),
        steps,
        erases: recipe.partitions.filter((p) => erased.has(p.name)).map((p) => ({ name: p.name, sizeBytes: p.sizeBytes })),
        keyCombos,
        unlock: { ...recipe.unlock },
        caveats: [...recipe.caveats],
    };
}

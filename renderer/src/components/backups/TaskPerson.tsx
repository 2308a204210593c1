/**
 * What a backup or restore job asks of the person while it brings the phone to TWRP: the key
 * combination to hold now (with its picture, and for the virtual phone the button that holds them),
 * and a question it waits on (writing TWRP to a Samsung's recovery partition), worded by its id.
 * When the recipe's TWRP is not in the download cache, that question carries the upgrade's own file
 * row for it ("Download for me" or "I have it already", checked by SHA-256 and for this phone), and
 * its yes waits for a file that passed.
 */
import { useEffect, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { RecipeView } from '../../api/contract-types.js';
import { answerTaskQuestion, pressTaskButtons, useBackups, type BackupTask } from '../../backups-store.js';
import { chooseRecipe, fileFits, useUi } from '../../store.js';
import { confirmTexts, instructionText, InstructionPanel, QuestionPanel } from '../RunStep.js';
import { FileRow } from '../Wizard.js';

/** The TWRP image for the question, in the upgrade's files for this phone (so the upgrade finds it there too). */
function TwrpFile({ recipe }: { recipe: RecipeView }): ReactNode {
    const { t } = useTranslation();
    const wizardRecipe = useUi((s) => s.recipeId);
    const entry = useUi((s) => (s.recipeId === recipe.id ? s.files.recovery : undefined));
    useEffect(() => chooseRecipe(recipe.id), [recipe.id]);
    const row = recipe.files.find((f) => f.role === 'recovery');
    if (wizardRecipe !== recipe.id) return null;
    return (
        <div className="question-file">
            <p>{t('backups.twrpFile.lead', { name: recipe.name })}</p>
            <ul className="file-list">
                <FileRow role="recovery" required suggestedName={row?.suggestedName ?? null} download={row?.download ?? null} entry={entry} />
            </ul>
            {fileFits(entry) ? null : <p className="hint">{t('backups.twrpFile.waiting')}</p>}
        </div>
    );
}

export function TaskPerson({ task }: { task: BackupTask }): ReactNode {
    const { t, i18n } = useTranslation();
    const deviceId = useBackups((s) => s.deviceId);
    const recipeId = useUi((s) => s.snapshot.devices.find((d) => d.id === deviceId)?.recipeId);
    const recipe = useUi((s) => s.recipes.find((r) => r.id === recipeId));
    const twrp = useUi((s) => (s.recipeId === recipeId ? s.files.recovery : undefined));
    if (!task.running) return null;
    const exists = i18n.exists.bind(i18n);
    const { instruction, question } = task;
    const words = question ? confirmTexts(t, exists, question, recipe) : null;
    const fileNeeded = question?.id === 'write-twrp' && question.facts['fileNeeded'] === 'yes';
    return (
        <>
            {instruction ? (
                <InstructionPanel idPrefix="task-instruction" text={instructionText(t, exists, instruction, recipe)} instruction={instruction} pressed={task.pressed} onPress={() => void pressTaskButtons()} />
            ) : null}
            {question && words ? (
                <QuestionPanel idPrefix="task-question" danger={question.danger} words={words} yesBlocked={fileNeeded && !fileFits(twrp)} onAnswer={(yes) => void answerTaskQuestion(yes, fileNeeded ? twrp?.verificationId : undefined)}>
                    {fileNeeded && recipe ? <TwrpFile recipe={recipe} /> : null}
                </QuestionPanel>
            ) : null}
        </>
    );
}

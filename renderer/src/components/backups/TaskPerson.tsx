/**
 * What a backup or restore job asks of the person while it brings the phone to TWRP: the key
 * combination to hold now (with its picture, and for the virtual phone the button that holds them),
 * and a question it waits on (writing TWRP to a Samsung's recovery partition), worded by its id.
 */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { answerTaskQuestion, pressTaskButtons, useBackups, type BackupTask } from '../../backups-store.js';
import { useUi } from '../../store.js';
import { confirmTexts, instructionText, InstructionPanel, QuestionPanel } from '../RunStep.js';

export function TaskPerson({ task }: { task: BackupTask }): ReactNode {
    const { t, i18n } = useTranslation();
    const deviceId = useBackups((s) => s.deviceId);
    const recipeId = useUi((s) => s.snapshot.devices.find((d) => d.id === deviceId)?.recipeId);
    const recipe = useUi((s) => s.recipes.find((r) => r.id === recipeId));
    if (!task.running) return null;
    const exists = i18n.exists.bind(i18n);
    const { instruction, question } = task;
    const words = question ? confirmTexts(t, exists, question, recipe) : null;
    return (
        <>
            {instruction ? (
                <InstructionPanel idPrefix="task-instruction" text={instructionText(t, exists, instruction, recipe)} instruction={instruction} pressed={task.pressed} onPress={() => void pressTaskButtons()} />
            ) : null}
            {question && words ? (
                <QuestionPanel idPrefix="task-question" danger={question.danger} words={words} onAnswer={(yes) => void answerTaskQuestion(yes)} />
            ) : null}
        </>
    );
}

/**
 * An instruction's body, shared by the wizard's run step and each counter lane: the words, the
 * wait with its mode, the virtual phone's buttons, the hint when the wait is long, and the
 * key-combo picture beside them. Each caller gives the heading and the frame around it.
 */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobState } from '../store.js';
import { ComboPicture } from './common.js';
import { ModeHint } from './ModeHint.js';

type Instruction = NonNullable<JobState['instruction']>;

export function InstructionBody({ heading, text, textId, instruction, pressed, onPress, primary }: { heading: ReactNode; text: string; textId?: string | undefined; instruction: Instruction; pressed: boolean; onPress: () => void; primary: boolean }): ReactNode {
    const { t } = useTranslation();
    return (
        <>
            <div className="instruction-text">
                {heading}
                <p className="big" id={textId}>
                    {text}
                </p>
                {instruction.waitingFor ? (
                    <p className="waiting" role="status">
                        <span className="spinner" aria-hidden="true" /> {t('run.waitingFor', { mode: t(`modes.${instruction.waitingFor}`) })}
                    </p>
                ) : null}
                {instruction.virtualPhone && instruction.buttons.length > 0 ? (
                    // aria-disabled, not disabled: a disabled button would drop the keyboard focus to the page.
                    <button type="button" className={`button ${primary ? 'primary' : 'secondary'}`} aria-disabled={pressed} onClick={() => (pressed ? undefined : onPress())}>
                        {pressed ? t('run.pressing') : t('run.holdingButtons')}
                    </button>
                ) : null}
                {instruction.waitingFor ? <ModeHint key={instruction.id} mode={instruction.waitingFor} /> : null}
            </div>
            {instruction.picture ? <ComboPicture picture={instruction.picture} buttons={instruction.buttons} /> : null}
        </>
    );
}

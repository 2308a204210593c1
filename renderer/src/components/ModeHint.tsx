/**
 * "Not in download mode yet?": when the job has waited a while for the phone to show up in the mode an
 * instruction asked for, the most common reasons for that mode, so nobody stares at a spinner for
 * minutes. Mounted per instruction (keyed by its id), so each new instruction starts its own wait.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PhoneModeName } from '../api/contract-types.js';

/** Long enough for a phone that is on its way (a slow start takes ~20 s), short enough to still help. */
export const MODE_HINT_AFTER_MS = 40_000;

/** The reasons to check, most likely first, per mode the job waits for. */
export const MODE_HINT_REASONS: Readonly<Partial<Record<PhoneModeName, readonly string[]>>> = {
    download: ['cable', 'offFirst', 'downloadKeys', 'driverSamsung', 'battery'],
    bootloader: ['cable', 'offFirst', 'bootloaderKeys', 'driverGoogle', 'battery'],
    recovery: ['cable', 'recoveryKeys', 'battery'],
    sideload: ['sideloadMenu', 'cable'],
    android: ['cable', 'usbDebugging', 'allowComputer', 'battery'],
};

export function ModeHint({ mode }: { mode: PhoneModeName }): ReactNode {
    const { t } = useTranslation();
    const [late, setLate] = useState(false);
    useEffect(() => {
        const timer = setTimeout(() => setLate(true), MODE_HINT_AFTER_MS);
        return () => clearTimeout(timer);
    }, []);
    const reasons = MODE_HINT_REASONS[mode];
    // aria-live: the hint is announced once when it appears, without taking focus from the buttons.
    return (
        <div aria-live="polite">
            {late && reasons ? (
                <section className="mode-hint" aria-labelledby="mode-hint-heading">
                    <h3 id="mode-hint-heading">{t(`run.modeHint.title.${mode}`)}</h3>
                    <p>{t('run.modeHint.lead')}</p>
                    <ul>
                        {reasons.map((reason) => (
                            <li key={reason}>{t(`run.modeHint.reasons.${reason}`)}</li>
                        ))}
                    </ul>
                </section>
            ) : null}
        </div>
    );
}

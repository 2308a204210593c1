/** The upgrade wizard before the job starts: recipe → files (checksums) → what will happen. */
import { useRef, useState, type DragEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { FileRole, RecipeView } from '../api/contract-types.js';
import { errorWords } from '../error-words.js';
import { Glossary } from './Glossary.js';
import { formatBytes } from '../format.js';
import { addFile, addFiles, addFilesToRole, chooseRecipe, fileFits, goTo, removeFile, setChecksum, setKeepBackup, startUpgrade, useUi, type FileEntry, type Screen } from '../store.js';
import { ProgressBar, ScreenHeading } from './common.js';
import { FileOrigins, FileSource, isDownloadProblem, type FileDownloadView } from './FileSource.js';
import { BackupPassphraseFields, useBackupPassphrase } from './NewPassphrase.js';

const STAGES: ReadonlyArray<{ screen: Screen; key: string }> = [
    { screen: 'recipe', key: 'wizard.stages.recipe' },
    { screen: 'files', key: 'wizard.stages.files' },
    { screen: 'review', key: 'wizard.stages.review' },
    { screen: 'run', key: 'wizard.stages.run' },
];

export function WizardStages({ current }: { current: Screen }): ReactNode {
    const { t } = useTranslation();
    const index = STAGES.findIndex((s) => s.screen === current);
    return (
        <nav aria-label={t('wizard.stagesLabel')}>
            <ol className="stages">
                {STAGES.map((stage, i) => (
                    <li key={stage.screen} className={i < index ? 'done' : i === index ? 'current' : ''} aria-current={i === index ? 'step' : undefined}>
                        <span className="stage-number" aria-hidden="true">
                            {i < index ? '✓' : i + 1}
                        </span>
                        {t(stage.key)}
                    </li>
                ))}
            </ol>
        </nav>
    );
}

function useRecipe(): RecipeView | undefined {
    const recipes = useUi((s) => s.recipes);
    const recipeId = useUi((s) => s.recipeId);
    return recipes.find((r) => r.id === recipeId);
}

export function RecipeStep(): ReactNode {
    const { t } = useTranslation();
    const recipes = useUi((s) => s.recipes);
    const recipeId = useUi((s) => s.recipeId);
    const device = useUi((s) => s.snapshot.devices.find((d) => d.id === s.deviceId));
    return (
        <>
            <WizardStages current="recipe" />
            <ScreenHeading>{t('recipe.title')}</ScreenHeading>
            <p className="lead">{device?.recipeId ? t('recipe.detected', { name: device.name }) : t('recipe.notDetected')}</p>
            <fieldset className="choices">
                <legend>{t('recipe.legend')}</legend>
                {recipes.map((recipe) => (
                    <label key={recipe.id} className={`choice${recipe.id === recipeId ? ' selected' : ''}`}>
                        <input type="radio" name="recipe" value={recipe.id} checked={recipe.id === recipeId} onChange={() => chooseRecipe(recipe.id)} />
                        <span>
                            <strong>{recipe.name}</strong>
                            <span className="choice-detail">
                                {t('recipe.models', { models: recipe.models.join(', ') })} · {t(`recipe.method.${recipe.method}`)}
                            </span>
                        </span>
                    </label>
                ))}
            </fieldset>
            <div className="actions">
                <button type="button" className="button secondary" onClick={() => goTo('home')}>
                    {t('wizard.back')}
                </button>
                <button type="button" className="button primary" disabled={!recipeId} onClick={() => goTo('files')}>
                    {t('wizard.next')}
                </button>
            </div>
        </>
    );
}

export function FileRow({ role, required, suggestedName, download, entry }: { role: FileRole; required: boolean; suggestedName: string | null; download: FileDownloadView | null; entry: FileEntry | undefined }): ReactNode {
    const { t } = useTranslation();
    const checksums = useUi((s) => s.checksums);
    const typed = entry ? (checksums[entry.name] ?? '') : '';
    const [draft, setDraft] = useState<string | null>(null);
    const headingId = `file-${role}-heading`;
    const lastFile = useRef<File | null>(null);
    const pick = (files: File[]): void => {
        lastFile.current = files.find((f) => !/\.sha256(sum)?$/i.test(f.name)) ?? lastFile.current;
        void addFilesToRole(role, files);
    };
    const statusText = !entry
        ? required
            ? t('files.status.missing')
            : t('files.status.optional')
        : entry.status === 'sending'
          ? t('files.status.sending')
          : entry.status === 'verifying'
            ? t('files.status.verifying')
            : entry.status === 'downloading'
              ? t('files.status.downloading')
              : entry.status === 'verified' && entry.conflict
                ? t('files.status.misfit')
                : entry.status === 'verified'
                  ? t(`files.status.verified-${entry.result?.origin ? 'download' : entry.result?.expectedSha256 ? 'recipe' : 'typed'}`)
                  : t('files.status.refused');
    const shown = entry?.conflict ? 'refused' : (entry?.status ?? 'empty');
    const showChecksumField = entry?.status === 'refused' && (entry.error?.code === 'checksum-missing' || entry.error?.code === 'checksum-mismatch');
    return (
        <li className={`file-row ${shown}`} aria-labelledby={headingId}>
            <div className="file-head">
                <h2 id={headingId}>
                    {t(`files.roles.${role}.title`)}
                    {required ? null : <span className="tag">{t('files.optionalTag')}</span>}
                </h2>
                <p className="hint">{t(`files.roles.${role}.hint`)}</p>
                {suggestedName ? <p className="hint">{t('files.suggested', { name: suggestedName })}</p> : null}
            </div>
            <div className="file-body">
                <p className="file-status" role="status">
                    {entry ? <span className="file-name">{entry.name}</span> : null} <span className={`status-word ${shown}`}>{statusText}</span>
                </p>
                {entry && (entry.status === 'verifying' || entry.status === 'sending') ? (
                    <ProgressBar label={t('files.progressLabel', { name: entry.name })} bytesDone={entry.bytesDone} bytesTotal={entry.bytesTotal} rate={entry.rate} etaSeconds={entry.etaSeconds} />
                ) : null}
                {entry?.status === 'verified' && entry.result ? <p className="mono small">{t('files.sha256', { sha256: entry.result.sha256 })}</p> : null}
                {entry?.conflict ? (
                    <div className="refusal" role="alert">
                        <p>{errorWords(t, entry.conflict).message}</p>
                        <p>
                            <strong>{t('errors.nextStep')}</strong> {errorWords(t, entry.conflict).nextStep}
                        </p>
                    </div>
                ) : null}
                {entry?.status === 'refused' && entry.error && !isDownloadProblem(entry) ? (
                    <div className="refusal" role="alert">
                        <p>{errorWords(t, entry.error).message}</p>
                        <p>
                            <strong>{t('errors.nextStep')}</strong> {errorWords(t, entry.error).nextStep}
                        </p>
                    </div>
                ) : null}
                {showChecksumField && entry ? (
                    <form
                        className="row"
                        onSubmit={(e) => {
                            e.preventDefault();
                            setChecksum(entry.name, draft ?? typed);
                            if (lastFile.current) void addFile(role, lastFile.current);
                        }}
                    >
                        <label className="field grow">
                            <span>{t('files.typeChecksum')}</span>
                            <input type="text" className="mono" spellCheck={false} autoComplete="off" value={draft ?? typed} onChange={(e) => setDraft(e.target.value)} pattern="[0-9a-fA-F]{64}" />
                        </label>
                        <button type="submit" className="button secondary">
                            {t('files.checkAgain')}
                        </button>
                    </form>
                ) : null}
            </div>
            <div className="file-actions">
                <FileSource role={role} download={download} entry={entry} onFiles={pick} />
                {entry && entry.status !== 'sending' && entry.status !== 'verifying' && entry.status !== 'downloading' ? (
                    <button type="button" className="button secondary" aria-label={t('files.removeLabel', { name: entry.name })} onClick={() => void removeFile(role)}>
                        {t('files.remove')}
                    </button>
                ) : null}
            </div>
        </li>
    );
}

export function FilesStep(): ReactNode {
    const { t } = useTranslation();
    const recipe = useRecipe();
    const files = useUi((s) => s.files);
    const [dragging, setDragging] = useState(false);
    const [unplaced, setUnplaced] = useState<string[]>([]);
    if (!recipe) return null;
    const roles = recipe.files.map((f) => f.role);
    const ready = recipe.files.every((f) => (f.required ? fileFits(files[f.role]) : !files[f.role] || fileFits(files[f.role])));
    const onDrop = (event: DragEvent): void => {
        event.preventDefault();
        setDragging(false);
        void addFiles([...event.dataTransfer.files], roles).then(setUnplaced);
    };
    return (
        <>
            <WizardStages current="files" />
            <ScreenHeading>{t('files.title')}</ScreenHeading>
            <p className="lead">{t('files.lead', { name: recipe.name })}</p>
            <div
                className={`drop-zone${dragging ? ' dragging' : ''}`}
                onDragOver={(e) => {
                    e.preventDefault();
                    setDragging(true);
                }}
                onDragLeave={() => setDragging(false)}
                onDrop={onDrop}
            >
                <p>{t('files.dropHere')}</p>
                <ul className="file-list">
                    {recipe.files.map((f) => (
                        <FileRow key={f.role} role={f.role} required={f.required} suggestedName={f.suggestedName} download={f.download} entry={files[f.role]} />
                    ))}
                </ul>
            </div>
            {unplaced.length > 0 ? (
                <p className="hint" role="status">
                    {t('files.unplaced', { names: unplaced.join(', ') })}
                </p>
            ) : null}
            <Glossary recipe={recipe} />
            <div className="actions">
                <button type="button" className="button secondary" onClick={() => goTo('recipe')}>
                    {t('wizard.back')}
                </button>
                <button type="button" className="button primary" disabled={!ready} onClick={() => goTo('review')}>
                    {t('wizard.next')}
                </button>
            </div>
            {!ready ? <p className="hint">{t('files.notReady')}</p> : null}
        </>
    );
}

export function ReviewStep(): ReactNode {
    const { t, i18n } = useTranslation();
    const recipe = useRecipe();
    const keepBackup = useUi((s) => s.keepBackup);
    const busy = useUi((s) => s.busy);
    const files = useUi((s) => s.files);
    const device = useUi((s) => s.snapshot.devices.find((d) => d.id === s.deviceId));
    const lock = useBackupPassphrase();
    if (!recipe) return null;
    // Only words written for the person: the recipe's own caveats are notes for developers.
    const noteKey = `recipes.${recipe.id}.notes`;
    const notes = i18n.exists(noteKey) ? (t(noteKey, { returnObjects: true }) as string[]) : [];
    const lowBattery = device?.batteryPercent !== null && device?.batteryPercent !== undefined && device.batteryPercent < recipe.minBatteryPercent;
    return (
        <>
            <WizardStages current="review" />
            <ScreenHeading>{t('review.title')}</ScreenHeading>
            <p className="lead">{t('review.lead', { name: recipe.name })}</p>
            <section className="panel" aria-labelledby="review-steps">
                <h2 id="review-steps">{t('review.whatHappens')}</h2>
                <ol className="plain-steps">
                    {recipe.steps
                        .filter((step) => ((step.kind !== 'backup' && step.kind !== 'save-storage') || keepBackup) && (step.kind !== 'install' || fileFits(files[step.detail as FileRole])))
                        .map((step, i) => (
                            <li key={`${step.kind}-${i}`}>
                                {t(`review.steps.${step.kind}`, {
                                    detail: step.kind === 'install' ? (files[step.detail as FileRole]?.name ?? t(`files.roles.${step.detail}.title`)) : step.detail,
                                    partition: step.detail,
                                })}
                            </li>
                        ))}
                </ol>
            </section>
            <FileOrigins files={files} />
            <Glossary recipe={recipe} />
            <section className="panel warning" aria-labelledby="review-erased">
                <h2 id="review-erased">{t('review.erasedTitle')}</h2>
                <p>{t('review.erasedLead')}</p>
                <ul>
                    {recipe.erases.map((p) => (
                        <li key={p.name}>
                            {t(`review.partitions.${p.name}`, { defaultValue: p.name })} <span className="muted">({p.name}, {formatBytes(p.sizeBytes, i18n.language)})</span>
                        </li>
                    ))}
                </ul>
                {recipe.unlock.method !== 'none' ? <p>{t(`recipes.${recipe.id}.unlock`, { defaultValue: recipe.unlock.explanation })}</p> : null}
                {recipe.manufacturer === 'Samsung' ? <p>{t('review.knox')}</p> : null}
            </section>
            {notes.length > 0 ? (
                <section className="panel" aria-labelledby="review-caveats">
                    <h2 id="review-caveats">{t('review.caveatsTitle')}</h2>
                    <ul>
                        {notes.map((note) => (
                            <li key={note}>{note}</li>
                        ))}
                    </ul>
                </section>
            ) : null}
            {lowBattery ? (
                <p className="error-box" role="alert">
                    {t('review.lowBattery', { have: device?.batteryPercent, need: recipe.minBatteryPercent })}
                </p>
            ) : null}
            <label className="check">
                <input type="checkbox" checked={keepBackup} onChange={(e) => setKeepBackup(e.target.checked)} />
                <span>
                    <strong>{t('review.backup')}</strong>
                    <span className="choice-detail">{keepBackup ? t(recipe.unlock.wipesData ? 'review.backupOnWipes' : 'review.backupOn') : t('review.backupOff')}</span>
                </span>
            </label>
            {/* Asked here, before the job starts, so nobody is asked mid-flash; kept in this form only until the upgrade has it. */}
            {keepBackup ? <BackupPassphraseFields words="review.passphrase" state={lock} /> : null}
            <div className="actions">
                <button type="button" className="button secondary" onClick={() => goTo('files')}>
                    {t('wizard.back')}
                </button>
                <button type="button" className="button primary" disabled={busy || (keepBackup && lock.problems.length > 0)} onClick={() => void startUpgrade(keepBackup ? lock.passphrase : undefined).then((started) => (started ? lock.clear() : undefined))}>
                    {t('review.start')}
                </button>
            </div>
        </>
    );
}

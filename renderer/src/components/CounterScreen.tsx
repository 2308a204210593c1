/**
 * The repair-shop counter: one lane per connected phone (port, model, ticket, step, progress, what
 * to do on that phone with its picture, start, cancel, "which phone is this?"), the queue's limit,
 * the files the upgrades use, the shop's settings, and the receipts' history.
 */
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CounterLane, Device, RecipeView } from '../api/contract-types.js';
import {
    answerLane,
    cancelLane,
    chooseShopFolder,
    chosenFiles,
    createShop,
    dismissCounterError,
    dismissLane,
    identifyPhone,
    loadCounter,
    pressLaneButtons,
    saveTechnician,
    searchHistory,
    setConcurrency,
    setTicket,
    startLane,
    useCounter,
    type HistoryQuery,
} from '../counter-store.js';
import { errorWords as errorWordsOf } from '../error-words.js';
import { chooseRecipe, fileFits, goTo, setKeepBackup, useUi, type JobState } from '../store.js';
import { ErrorBox, ProgressBar, ScreenHeading } from './common.js';
import { InstructionBody } from './InstructionBody.js';
import { confirmTexts, instructionText, phoneNowText, useStepTitle } from './RunStep.js';
import { FileRow } from './Wizard.js';

const LIMITS = [1, 2, 3, 4, 6, 8] as const;

/** An id for the DOM from a device id (`usbip:127.0.0.1:3240/1-1`). */
function domId(prefix: string, deviceId: string): string {
    return `${prefix}-${deviceId.replace(/[^A-Za-z0-9]/g, '-')}`;
}

function LaneProgress({ job, laneId }: { job: JobState; laneId: string }): ReactNode {
    const { t } = useTranslation();
    const stepTitle = useStepTitle();
    const step = job.steps.find((s) => s.status === 'running');
    const done = job.steps.filter((s) => s.status === 'done' || s.status === 'skipped').length;
    return (
        <div className="lane-step">
            <p id={`${laneId}-step`}>
                <strong>{t('counter.lane.step')}</strong> {step ? stepTitle(step.id, step.title) : t('counter.lane.preparing')}{' '}
                {job.steps.length > 0 ? <span className="muted">{t('counter.lane.stepOf', { done, total: job.steps.length })}</span> : null}
            </p>
            {job.progress && job.progress.bytesTotal > 0 ? (
                <ProgressBar
                    label={step ? stepTitle(step.id, step.title) : t('counter.lane.step')}
                    bytesDone={job.progress.bytesDone}
                    bytesTotal={job.progress.bytesTotal}
                    rate={job.progress.rate}
                    etaSeconds={job.progress.etaSeconds}
                    {...(job.progress.toPhone ? { sent: job.progress.bytesSent, amountKey: 'progress.onPhone' } : {})}
                />
            ) : null}
        </div>
    );
}

/** What the person must do on this phone now: the words, the key-combo picture, and the hint when it takes long. */
function LaneInstruction({ job, recipe, laneId }: { job: JobState; recipe: RecipeView | undefined; laneId: string }): ReactNode {
    const { t, i18n } = useTranslation();
    const instruction = job.instruction;
    if (!instruction) return null;
    return (
        <section className="lane-instruction" aria-labelledby={`${laneId}-todo`}>
            <InstructionBody
                heading={<h3 id={`${laneId}-todo`}>{t('counter.lane.doNow')}</h3>}
                text={instructionText(t, i18n.exists.bind(i18n), instruction, recipe)}
                instruction={instruction}
                pressed={job.pressed}
                onPress={() => void pressLaneButtons(job.jobId)}
                primary={false}
            />
        </section>
    );
}

function LaneQuestion({ job, recipe, laneId }: { job: JobState; recipe: RecipeView | undefined; laneId: string }): ReactNode {
    const { t, i18n } = useTranslation();
    const confirm = job.confirm;
    if (!confirm) return null;
    const words = confirmTexts(t, i18n.exists.bind(i18n), confirm, recipe);
    return (
        <section className={`lane-question${confirm.danger ? ' danger' : ''}`} role="alertdialog" aria-labelledby={`${laneId}-question`} aria-describedby={`${laneId}-question-detail`}>
            <h3 id={`${laneId}-question`}>{words.question}</h3>
            <p id={`${laneId}-question-detail`}>{words.detail}</p>
            <div className="row">
                <button type="button" className="button secondary" onClick={() => void answerLane(job.jobId, false)}>
                    {words.cancel}
                </button>
                <button type="button" className={`button ${confirm.danger ? 'danger' : 'primary'}`} onClick={() => void answerLane(job.jobId, true)}>
                    {words.confirm}
                </button>
            </div>
        </section>
    );
}

function LaneOutcome({ lane, job }: { lane: CounterLane; job: JobState | undefined }): ReactNode {
    const { t } = useTranslation();
    if (lane.status === 'queued' || lane.status === 'running') return null;
    const failure = job?.failure;
    const error = failure && 'error' in failure ? failure.error : lane.error;
    return (
        <div className={`lane-outcome ${lane.status}`} role="status">
            <p>
                <strong>{t(`counter.result.${lane.status}`)}</strong>
                {lane.status === 'done' && job?.done ? ` ${t('counter.lane.doneAndroid', { version: job.done.androidAfter })}` : null}
            </p>
            {error && lane.status === 'failed' ? <ErrorWords error={error} /> : null}
            {failure ? (
                <p>
                    <strong>{t('run.failed.phoneState')}</strong> {phoneNowText(t, failure.phoneNow)}
                </p>
            ) : null}
            {lane.receipt ? (
                <p className="small">
                    {t('counter.lane.receipt')} <span className="mono">{lane.receipt.file}</span>
                </p>
            ) : null}
            {lane.receiptProblem ? <ErrorWords error={lane.receiptProblem} /> : null}
        </div>
    );
}

function ErrorWords({ error }: { error: NonNullable<CounterLane['error']> }): ReactNode {
    const { t } = useTranslation();
    const words = errorWordsOf(t, error);
    return (
        <p>
            {words.message} {words.nextStep}
        </p>
    );
}


function Lane({ device, lane, recipe, filesReady }: { device: Device | undefined; lane: CounterLane | undefined; recipe: RecipeView | undefined; filesReady: boolean }): ReactNode {
    const { t, i18n } = useTranslation();
    const deviceId = device?.id ?? lane?.deviceId ?? '';
    const laneId = domId('lane', deviceId);
    const job = useCounter((s) => (lane ? s.jobs[lane.jobId] : undefined));
    const ticket = useCounter((s) => s.tickets[deviceId] ?? '');
    const shown = useCounter((s) => s.shown[deviceId]);
    const busy = useCounter((s) => s.busy);
    const active = lane?.status === 'queued' || lane?.status === 'running';
    const name = lane?.phoneName ?? device?.name ?? '';
    const port = lane?.port ?? (deviceId.startsWith('virtual:') ? null : deviceId);
    const canStart = !lane && device !== undefined && device.state === 'ready' && device.recipeId !== null && device.recipeId === recipe?.id && filesReady;
    const whyNot = lane || canStart ? null : !device ? 'gone' : device.recipeId === null ? 'unknown' : device.state !== 'ready' ? device.state : device.recipeId !== recipe?.id ? 'otherModel' : 'files';
    const status = lane?.status ?? 'idle';
    return (
        <li className={`counter-lane ${status}`} aria-labelledby={`${laneId}-name`}>
            <div className="lane-head">
                <h2 id={`${laneId}-name`}>
                    {name}
                    {device?.virtual ? <span className="tag">{t('devices.virtualTag')}</span> : null}
                </h2>
                <span className={`lane-status ${status}`}>{t(`counter.status.${status}`)}</span>
            </div>
            <dl className="device-facts">
                {lane ? (
                    <div>
                        <dt>{t('counter.lane.ticket')}</dt>
                        <dd>{lane.ticket || '–'}</dd>
                    </div>
                ) : null}
                <div>
                    <dt>{t('counter.lane.port')}</dt>
                    <dd className="mono">{port ?? t('counter.lane.portVirtual')}</dd>
                </div>
                <div>
                    <dt>{t('devices.mode')}</dt>
                    <dd>{device ? t(`modes.${device.mode}`) : lane?.status === 'running' ? t('counter.lane.restarting') : t('counter.lane.notConnected')}</dd>
                </div>
                {lane?.model ? (
                    <div>
                        <dt>{t('counter.lane.model')}</dt>
                        <dd>{lane.model}</dd>
                    </div>
                ) : null}
                {(lane?.serial ?? device?.serial) ? (
                    <div>
                        <dt>{t('devices.serial')}</dt>
                        <dd className="mono">{lane?.serial ?? device?.serial}</dd>
                    </div>
                ) : null}
                {lane?.imei ? (
                    <div>
                        <dt>{t('counter.lane.imei')}</dt>
                        <dd className="mono">{lane.imei}</dd>
                    </div>
                ) : null}
            </dl>
            {lane ? null : (
                <label className="field ticket">
                    <span>{t('counter.lane.ticket')}</span>
                    <input type="text" value={ticket} maxLength={64} placeholder={t('counter.lane.ticketPlaceholder')} onChange={(e) => setTicket(deviceId, e.target.value)} />
                </label>
            )}
            {lane?.status === 'running' && job ? (
                <>
                    <LaneProgress job={job} laneId={laneId} />
                    <LaneQuestion job={job} recipe={recipe} laneId={laneId} />
                    <LaneInstruction job={job} recipe={recipe} laneId={laneId} />
                </>
            ) : null}
            {lane?.status === 'queued' ? <p className="hint">{t('counter.lane.queued')}</p> : null}
            {lane ? <LaneOutcome lane={lane} job={job} /> : null}
            {shown && !lane ? (
                <p className="hint" role="status">
                    {shown === 'about-phone' ? t('counter.identify.shown', { port: port ?? '' }) : t('counter.identify.portOnly', { port: port ?? '' })}
                </p>
            ) : null}
            {whyNot ? <p className="hint">{t(`counter.whyNot.${whyNot}`)}</p> : null}
            <div className="actions lane-actions">
                {device && !active ? (
                    <button type="button" className="button secondary" disabled={busy} onClick={() => void identifyPhone(deviceId)}>
                        {t('counter.identify.button')}
                    </button>
                ) : null}
                {lane && !active ? (
                    <button type="button" className="button secondary" disabled={busy} onClick={() => void dismissLane(deviceId)}>
                        {t('counter.lane.dismiss')}
                    </button>
                ) : null}
                {active ? (
                    <button type="button" className="button danger" disabled={busy || job?.cancelStage === 'cancelling'} onClick={() => void cancelLane(deviceId)}>
                        {lane?.status === 'queued' ? t('counter.lane.unqueue') : t('counter.lane.cancel')}
                    </button>
                ) : null}
                {canStart && recipe ? (
                    <button type="button" className="button primary" disabled={busy} onClick={() => void startLane(deviceId, recipe.id, i18n.language === 'de' ? 'de' : 'en')}>
                        {t('counter.lane.start')}
                    </button>
                ) : null}
            </div>
        </li>
    );
}

function QueueControl(): ReactNode {
    const { t } = useTranslation();
    const view = useCounter((s) => s.view);
    const busy = useCounter((s) => s.busy);
    if (!view) return null;
    const running = view.lanes.filter((l) => l.status === 'running').length;
    const queued = view.lanes.filter((l) => l.status === 'queued').length;
    return (
        <div className="row queue-control">
            <label className="field">
                <span>{t('counter.queue.limit')}</span>
                <select value={view.concurrency} disabled={busy} onChange={(e) => void setConcurrency(Number(e.target.value))}>
                    {LIMITS.map((n) => (
                        <option key={n} value={n}>
                            {n === 1 ? t('counter.queue.oneAtATime') : t('counter.queue.atOnce', { count: n })}
                        </option>
                    ))}
                </select>
            </label>
            <p className="hint" role="status">
                {t('counter.queue.now', { running, queued })}
            </p>
        </div>
    );
}

function CounterFiles({ recipe, models }: { recipe: RecipeView | undefined; models: RecipeView[] }): ReactNode {
    const { t } = useTranslation();
    const files = useUi((s) => s.files);
    const keepBackup = useUi((s) => s.keepBackup);
    if (!recipe) return null;
    return (
        <section className="panel counter-files" aria-labelledby="counter-files-heading">
            <h2 id="counter-files-heading">{t('counter.files.title', { name: recipe.name })}</h2>
            <p>{t('counter.files.lead')}</p>
            {models.length > 1 ? (
                <label className="field">
                    <span>{t('counter.files.model')}</span>
                    <select value={recipe.id} onChange={(e) => chooseRecipe(e.target.value)}>
                        {models.map((r) => (
                            <option key={r.id} value={r.id}>
                                {r.name}
                            </option>
                        ))}
                    </select>
                </label>
            ) : null}
            <ul className="file-list">
                {recipe.files.map((f) => (
                    <FileRow key={f.role} role={f.role} required={f.required} suggestedName={f.suggestedName} download={f.download} entry={files[f.role]} />
                ))}
            </ul>
            <label className="check">
                <input type="checkbox" checked={keepBackup} onChange={(e) => setKeepBackup(e.target.checked)} />
                <span>
                    <strong>{t('review.backup')}</strong>
                    <span className="choice-detail">{keepBackup ? t('counter.files.backupOn') : t('review.backupOff')}</span>
                </span>
            </label>
        </section>
    );
}

function ShopSettings(): ReactNode {
    const { t } = useTranslation();
    const view = useCounter((s) => s.view);
    const busy = useCounter((s) => s.busy);
    const [folder, setFolder] = useState('');
    const [shopName, setShopName] = useState('');
    const [technician, setTechnician] = useState<string | null>(null);
    if (!view) return null;
    const use = (e: FormEvent): void => {
        e.preventDefault();
        void chooseShopFolder(folder);
    };
    return (
        <section className="panel shop-settings" aria-labelledby="shop-heading">
            <h2 id="shop-heading">{t('counter.shop.title')}</h2>
            {view.shop ? (
                <p role="status">{t('counter.shop.current', { name: view.shop.name, dir: view.shop.dir, keyId: view.shop.keyId })}</p>
            ) : (
                <p role="status">{t('counter.shop.none')}</p>
            )}
            <form className="shop-form" onSubmit={use}>
                <label className="field wide">
                    <span>{t('counter.shop.folder')}</span>
                    <input type="text" value={folder} placeholder={t('counter.shop.folderPlaceholder')} onChange={(e) => setFolder(e.target.value)} />
                </label>
                <div className="row">
                    <button type="submit" className="button secondary" disabled={busy || folder.trim() === ''}>
                        {t('counter.shop.use')}
                    </button>
                </div>
                <label className="field">
                    <span>{t('counter.shop.name')}</span>
                    <input type="text" value={shopName} maxLength={100} onChange={(e) => setShopName(e.target.value)} />
                </label>
                <div className="row">
                    <button type="button" className="button secondary" disabled={busy || folder.trim() === '' || shopName.trim() === ''} onClick={() => void createShop(folder, shopName)}>
                        {t('counter.shop.create')}
                    </button>
                </div>
                <p className="hint">{t('counter.shop.createHint')}</p>
            </form>
            <form
                className="row"
                onSubmit={(e) => {
                    e.preventDefault();
                    void saveTechnician(technician ?? view.technician).then(() => setTechnician(null));
                }}
            >
                <label className="field">
                    <span>{t('counter.shop.technician')}</span>
                    <input type="text" value={technician ?? view.technician} maxLength={100} onChange={(e) => setTechnician(e.target.value)} />
                </label>
                <button type="submit" className="button secondary" disabled={busy || technician === null}>
                    {t('counter.shop.saveTechnician')}
                </button>
            </form>
        </section>
    );
}

const EMPTY_QUERY: HistoryQuery = { ticket: '', serial: '', imei: '', from: '', to: '' };

function History(): ReactNode {
    const { t, i18n } = useTranslation();
    const shop = useCounter((s) => s.view?.shop);
    const history = useCounter((s) => s.history);
    const busy = useCounter((s) => s.busy);
    const [query, setQuery] = useState<HistoryQuery>(EMPTY_QUERY);
    if (!shop) return null;
    const field = (key: keyof HistoryQuery, type: 'text' | 'date'): ReactNode => (
        <label className="field">
            <span>{t(`counter.history.${key}`)}</span>
            <input type={type} value={query[key]} onChange={(e) => setQuery({ ...query, [key]: e.target.value })} />
        </label>
    );
    const when = (iso: string): string => new Date(iso).toLocaleString(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });
    return (
        <section className="panel history" aria-labelledby="history-heading">
            <h2 id="history-heading">{t('counter.history.title')}</h2>
            <form
                className="history-form"
                onSubmit={(e) => {
                    e.preventDefault();
                    void searchHistory(query);
                }}
            >
                {field('ticket', 'text')}
                {field('serial', 'text')}
                {field('imei', 'text')}
                {field('from', 'date')}
                {field('to', 'date')}
                <button type="submit" className="button secondary" disabled={busy}>
                    {t('counter.history.search')}
                </button>
            </form>
            {history === null ? null : history.length === 0 ? (
                <p role="status">{t('counter.history.none')}</p>
            ) : (
                <div className="table-scroll" tabIndex={0} role="region" aria-label={t('counter.history.title')}>
                    <table className="history-table">
                        <caption>{t('counter.history.found', { count: history.length })}</caption>
                        <thead>
                            <tr>
                                <th scope="col">{t('counter.history.started')}</th>
                                <th scope="col">{t('counter.history.ticket')}</th>
                                <th scope="col">{t('counter.history.phone')}</th>
                                <th scope="col">{t('counter.history.serial')}</th>
                                <th scope="col">{t('counter.history.imei')}</th>
                                <th scope="col">{t('counter.history.result')}</th>
                                <th scope="col">{t('counter.history.technician')}</th>
                                <th scope="col">{t('counter.history.receipt')}</th>
                            </tr>
                        </thead>
                        <tbody>
                            {history.map((entry) => (
                                <tr key={entry.file}>
                                    <td>{when(entry.startedAt)}</td>
                                    <td>{entry.ticket || '–'}</td>
                                    <td>{entry.phoneName ?? entry.model ?? '–'}</td>
                                    <td className="mono">{entry.serial ?? '–'}</td>
                                    <td className="mono">{entry.imei ?? '–'}</td>
                                    <td>{t(`counter.result.${entry.outcome}`)}</td>
                                    <td>{entry.technician || '–'}</td>
                                    <td className="mono small">{entry.file.split(/[\\/]/).pop()}</td>
                                </tr>
                            ))}
                        </tbody>
                    </table>
                </div>
            )}
        </section>
    );
}

export function CounterScreen(): ReactNode {
    const { t } = useTranslation();
    const devices = useUi((s) => s.snapshot.devices);
    const recipes = useUi((s) => s.recipes);
    const recipeId = useUi((s) => s.recipeId);
    const files = useUi((s) => s.files);
    const view = useCounter((s) => s.view);
    const error = useCounter((s) => s.error);
    useEffect(() => void loadCounter(), []);
    // The models at the counter: the files on screen are for one of them (the first, until another is chosen).
    const models = recipes.filter((r) => devices.some((d) => d.recipeId === r.id) || view?.lanes.some((l) => l.recipeId === r.id));
    const recipe = models.find((r) => r.id === recipeId) ?? models[0];
    useEffect(() => {
        if (recipe && recipe.id !== recipeId) chooseRecipe(recipe.id);
    }, [recipe, recipeId]);
    const filesReady = recipe !== undefined && recipe.id === recipeId && recipe.files.every((f) => (f.required ? fileFits(files[f.role]) : !files[f.role] || fileFits(files[f.role]))) && chosenFiles(files).length > 0;
    const ids = [...new Set([...devices.map((d) => d.id), ...(view?.lanes.map((l) => l.deviceId) ?? [])])].sort();
    return (
        <>
            <ScreenHeading>{t('counter.title')}</ScreenHeading>
            <p className="lead">{t('counter.lead')}</p>
            {error ? <ErrorBox error={error} onDismiss={dismissCounterError} /> : null}
            <QueueControl />
            <div aria-live="polite" aria-atomic="false">
                {ids.length > 0 ? (
                    <ul className="counter-lanes" aria-label={t('counter.lanesLabel')}>
                        {ids.map((id) => (
                            <Lane key={id} device={devices.find((d) => d.id === id)} lane={view?.lanes.find((l) => l.deviceId === id)} recipe={recipe} filesReady={filesReady} />
                        ))}
                    </ul>
                ) : (
                    <p className="empty">{t('devices.none')}</p>
                )}
            </div>
            <CounterFiles recipe={recipe} models={models} />
            <ShopSettings />
            <History />
            <div className="actions">
                <button type="button" className="button secondary" onClick={() => goTo('home')}>
                    {t('counter.back')}
                </button>
            </div>
        </>
    );
}

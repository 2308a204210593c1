/**
 * Where a wizard file comes from: "Download for me" for what the recipe can fetch (size, rate, time
 * left, stop), "I have it already" for the person's own copy (the picker), the download page for what
 * Revive cannot fetch — and, on the review, where each chosen file came from.
 */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { FileRole, RecipeView } from '../api/contract-types.js';
import { errorWords } from '../error-words.js';
import { formatBytes } from '../format.js';
import { downloadFile, stopDownload, type FileEntry } from '../store.js';
import { FilePicker, ProgressBar } from './common.js';

export type FileDownloadView = NonNullable<RecipeView['files'][number]['download']>;

/** Download problems are worded here; other refusals stay with the file row. */
export function isDownloadProblem(entry: FileEntry | undefined): boolean {
    return entry?.status === 'refused' && (entry.error?.code.startsWith('download-') ?? false);
}

function PageLink({ download }: { download: FileDownloadView }): ReactNode {
    const { t } = useTranslation();
    return (
        <a href={download.manualPage} target="_blank" rel="noreferrer noopener">
            {t('download.openPage', { page: new URL(download.manualPage).host })}
        </a>
    );
}

/**
 * The file row's actions. `onFiles` takes the person's own copy: the picker is labelled "I have it
 * already" next to "Download for me", and "Choose file…" where there is nothing to download.
 */
export function FileSource({ role, download, entry, onFiles }: { role: FileRole; download: FileDownloadView | null; entry: FileEntry | undefined; onFiles: (files: File[]) => void }): ReactNode {
    const { t, i18n } = useTranslation();
    const picker = (label: string): ReactNode => <FilePicker role={role} multiple label={label} onFiles={onFiles} />;
    const choose = entry ? t('files.chooseOther') : t('files.choose');
    if (!download) return picker(choose);
    if (download.availability !== 'published') {
        return (
            <div className="file-source">
                <p className="hint">
                    {t(`download.${download.availability}`)} <PageLink download={download} />
                </p>
                {picker(choose)}
            </div>
        );
    }
    if (entry?.status === 'downloading') {
        return (
            <div className="file-source">
                <ProgressBar label={t('download.progress', { name: download.name })} bytesDone={entry.bytesDone} bytesTotal={entry.bytesTotal} rate={entry.rate} etaSeconds={entry.etaSeconds} />
                <button type="button" className="button secondary" onClick={() => stopDownload(role)}>
                    {t('download.stop')}
                </button>
            </div>
        );
    }
    const problem = isDownloadProblem(entry) ? entry?.error : null;
    const size = download.sizeBytes === null ? '' : formatBytes(download.sizeBytes, i18n.language);
    return (
        <div className="file-source">
            {problem ? (
                <div className="refusal" role="alert">
                    <p>{problem.code === 'download-offline' ? t('download.offline') : problem.code === 'download-failed' ? t('download.failed') : errorWords(t, problem).message}</p>
                    <p>
                        {t('download.byHand')} <PageLink download={download} />
                    </p>
                    {problem.code === 'download-failed' ? (
                        <details>
                            <summary>{t('download.details')}</summary>
                            <p className="small">{errorWords(t, problem).message}</p>
                        </details>
                    ) : null}
                </div>
            ) : null}
            {entry?.status === 'verified' ? (
                picker(choose)
            ) : (
                <div className="row">
                    <button type="button" className="button primary" onClick={() => void downloadFile(role, download.name, download.sizeBytes)}>
                        {download.cached ? t('download.useCached') : size ? t('download.startSized', { size }) : t('download.start')}
                    </button>
                    {picker(t('download.haveIt'))}
                </div>
            )}
        </div>
    );
}

/** The review's list of the chosen files and where each came from. */
export function FileOrigins({ files }: { files: Partial<Record<FileRole, FileEntry>> }): ReactNode {
    const { t } = useTranslation();
    const chosen = (Object.entries(files) as Array<[FileRole, FileEntry]>).filter(([, entry]) => entry.status === 'verified' && entry.result);
    if (chosen.length === 0) return null;
    return (
        <section className="panel" aria-labelledby="review-files">
            <h2 id="review-files">{t('download.originsTitle')}</h2>
            <ul>
                {chosen.map(([role, entry]) => (
                    <li key={role}>
                        <strong>{t(`files.roles.${role}.title`)}</strong>: <span className="file-name">{entry.name}</span> —{' '}
                        {entry.result?.origin ? t('download.originDownloaded', { origin: entry.result.origin }) : entry.result?.expectedSha256 ? t('download.originOwnKnown') : t('download.originOwnTyped')}
                    </li>
                ))}
            </ul>
        </section>
    );
}

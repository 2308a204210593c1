/**
 * The printable page of a receipt (HTML, A4, no scripts, no external resources), in the shop's
 * language; the words come from renderer/locales like every other sentence a person reads.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInstance, type TFunction } from 'i18next';
import type { Receipt } from './receipt-types.js';

export type ReceiptLanguage = 'en' | 'de';
export const RECEIPT_LANGUAGES: readonly ReceiptLanguage[] = ['en', 'de'];

function localesDir(): string {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let up = 0; up < 5; up++) {
        dir = dirname(dir);
        const candidate = join(dir, 'renderer', 'locales');
        if (existsSync(join(candidate, 'en', 'translation.json'))) return candidate;
    }
    throw new Error(`Revive's translations (renderer/locales) were not found above ${fileURLToPath(import.meta.url)}.`);
}

const translators = new Map<ReceiptLanguage, TFunction>();

function translator(language: ReceiptLanguage): TFunction {
    const known = translators.get(language);
    if (known) return known;
    const resources = Object.fromEntries(
        RECEIPT_LANGUAGES.map((lng) => [lng, { translation: JSON.parse(readFileSync(join(localesDir(), lng, 'translation.json'), 'utf8')) as Record<string, unknown> }]),
    );
    const i18n = createInstance();
    void i18n.init({ lng: language, fallbackLng: 'en', resources, initAsync: false, interpolation: { escapeValue: false } });
    const t = i18n.getFixedT(language, 'translation', 'receipt');
    translators.set(language, t);
    return t;
}

function escape(text: string): string {
    return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function when(iso: string, language: ReceiptLanguage): string {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(language === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }) + ' UTC';
}

function bytes(n: number): string {
    return n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

const STYLE = `
body{font:11pt/1.4 system-ui,sans-serif;color:#111;margin:2em;max-width:50em}
h1{font-size:1.5em;margin:0}h2{font-size:1.1em;margin:1.2em 0 .3em;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.15em .5em .15em 0}
td.hash{font-family:ui-monospace,monospace;font-size:.8em;word-break:break-all}
.result-done{color:#075e20}.result-failed,.result-cancelled{color:#8a1010}
.copy{float:right;border:1px solid #111;padding:.2em .6em}footer{margin-top:2em;font-size:.85em;color:#333}
@page{size:A4;margin:15mm}`;

export function receiptPage(receipt: Receipt, language: ReceiptLanguage): string {
    const t = translator(language);
    const e = escape;
    const unknown = t('unknown');
    const row = (label: string, value: string | null | undefined, cls = ''): string => `<tr><th scope="row">${e(label)}</th><td${cls ? ` class="${cls}"` : ''}>${e(value || unknown)}</td></tr>`;
    const build = (b: Receipt['before'] | null): string => (b ? `${e(b.androidVersion ? t('android', { version: b.androidVersion }) : unknown)}<br><span class="hash">${e(b.buildFingerprint || unknown)}</span>` : e(t('notReached')));
    const files =
        receipt.files.length === 0
            ? `<p>${e(t('noFiles'))}</p>`
            : `<table><thead><tr><th scope="col">${e(t('file'))}</th><th scope="col">${e(t('size'))}</th><th scope="col">${e(t('sha256'))}</th><th scope="col">${e(t('origin'))}</th></tr></thead><tbody>${receipt.files
                  .map((f) => `<tr><td>${e(f.name)}</td><td>${e(bytes(f.sizeBytes))}</td><td class="hash">${e(f.sha256)}</td><td>${e(t(`origin_${f.checksumSource}`))}</td></tr>`)
                  .join('')}</tbody></table>`;
    const archive = receipt.backup.kind === 'verified' ? receipt.backup.archive : undefined;
    const backup = archive
        ? `<p>${e(t('backupArchive', { directory: receipt.backup.kind === 'verified' ? receipt.backup.directory : '' }))}${archive.openedBy ? ` ${e(t(`backupOpenedBy_${archive.openedBy}`))}` : ''}</p><table><tbody><tr><td>${e(archive.name)}</td><td>${e(bytes(archive.sizeBytes))}</td><td class="hash">${e(archive.sha256)}</td></tr></tbody></table>`
        : receipt.backup.kind === 'verified'
            ? `<p>${e(t('backupVerified', { count: receipt.backup.files.length, directory: receipt.backup.directory }))}</p><table><tbody>${receipt.backup.files
                  .map((f) => `<tr><td>${e(f.name)}</td><td>${e(bytes(f.sizeBytes))}</td><td class="hash">${e(f.sha256)}</td></tr>`)
                  .join('')}</tbody></table>`
            : receipt.backup.kind === 'declined'
              ? `<p>${e(t('backupDeclined', { at: when(receipt.backup.declinedAt, language) }))}</p>`
              : `<p>${e(t('backupNotMade'))}</p>`;
    const result = receipt.result;
    return `<!doctype html>
<html lang="${language}"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${e(t('title', { shop: receipt.shop.name }))}</title><style>${STYLE}</style></head>
<body><main>
<p class="copy">${e(receipt.copy === 'shop' ? t('copyShop') : t('copyCustomer'))}</p>
<h1>${e(receipt.shop.name)}</h1><p>${e(t('heading'))}</p>
<table><tbody>${row(t('ticket'), receipt.ticket)}${row(t('technician'), receipt.technician)}${row(t('job'), receipt.jobId)}${row(t('started'), when(receipt.startedAt, language))}${row(t('finished'), when(receipt.finishedAt, language))}</tbody></table>
<h2>${e(t('phone'))}</h2>
<table><tbody>${row(t('phone'), receipt.phone.name)}${row(t('model'), receipt.phone.model)}${row(t('codename'), receipt.phone.codename)}${row(t('serial'), receipt.phone.serial)}${row(t('imei'), receipt.phone.imei)}${row(t('port'), receipt.phone.port)}</tbody></table>
<h2>${e(t('resultHeading'))}</h2>
<p class="result-${result.outcome}"><strong>${e(t(`result_${result.outcome}`))}</strong>: ${e(result.message)}</p>
<table><tbody>${result.step ? row(t('failedStep'), result.step) : ''}${row(t('phoneChanged'), t(`phoneChanged_${result.phoneChanged}`))}${row(t('phoneLeft'), result.phoneState)}</tbody></table>
<h2>${e(t('stateHeading'))}</h2>
<table><tbody><tr><th scope="row">${e(t('before'))}</th><td>${build(receipt.before)}</td></tr><tr><th scope="row">${e(t('after'))}</th><td>${build(receipt.after)}</td></tr></tbody></table>
<h2>${e(t('filesHeading'))}</h2>${files}
<h2>${e(t('backupHeading'))}</h2>${backup}
<h2>${e(t('journal'))}</h2><table><tbody>${row(t('journal'), receipt.journal.name)}${row(t('sha256'), receipt.journal.sha256, 'hash')}</tbody></table>
${receipt.notes ? `<h2>${e(t('notes'))}</h2><p>${e(receipt.notes)}</p>` : ''}
</main><footer>${e(t('signature', { keyId: receipt.shop.keyId }))}</footer></body></html>
`;
}

/**
 * Every error code in the typed list has its words in English and German: a title, a message and
 * a next step for each variant, with the same placeholders in both languages, each one a fact the
 * code declares.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type CodeShape, type ErrorCode } from '../../common/error-codes.js';
import { LOG_CODES, type LogCode } from '../../common/log-codes.js';
import { logLine } from '../../native/jobs/log-note.js';
import { englishError } from '../../electron/wording.js';

type Json = { [key: string]: string | Json };
const ROOT = join(import.meta.dirname, '..', '..');
const locale = (language: 'en' | 'de'): Json => JSON.parse(readFileSync(join(ROOT, 'renderer', 'locales', language, 'translation.json'), 'utf8')) as Json;
const en = locale('en');
const de = locale('de');

function text(doc: Json, path: string): string | undefined {
    let node: string | Json | undefined = doc;
    for (const part of path.split('.')) node = typeof node === 'object' ? node[part] : undefined;
    return typeof node === 'string' ? node : undefined;
}

function nodeAt(doc: Json, path: string): Json | undefined {
    let node: string | Json | undefined = doc;
    for (const part of path.split('.')) node = typeof node === 'object' ? node[part] : undefined;
    return typeof node === 'object' ? node : undefined;
}

/** `{{name}}` and `{{name, format}}` placeholders, and `$t(key)` references, in a text. */
function placeholders(words: string): string[] {
    const names = [...words.matchAll(/\{\{\s*([A-Za-z0-9_]+)\s*(?:,[^}]*)?\}\}/g)].map((m) => m[1] ?? '');
    const nested = [...words.matchAll(/\$t\(([^)]+)\)/g)].map((m) => `$t(${m[1] ?? ''})`);
    return [...names, ...nested].sort();
}

/** The texts one code needs: its title, and a message and next step per variant (or one of each). */
function keysOf(code: ErrorCode): string[] {
    const shape: CodeShape = ERROR_CODES[code];
    const variants = shape.variants ?? [undefined];
    const keys = [`errors.${code}.title`];
    for (const variant of variants) {
        for (const part of ['message', 'nextStep']) {
            const own = `errors.${code}.${part}_${variant}`;
            keys.push(variant !== undefined && text(en, own) !== undefined ? own : `errors.${code}.${part}`);
        }
    }
    return keys;
}

describe('the typed list of error codes', () => {
    const codes = Object.keys(ERROR_CODES) as ErrorCode[];

    it('is not empty and holds the codes a person meets most', () => {
        for (const code of ['checksum-mismatch', 'odin-wrong-phone', 'odin-disconnected', 'bootloader-locked', 'resume-files-missing', 'file-enoent']) expect(codes).toContain(code);
    });

    it.each(codes)('%s has English and German words with the same placeholders, all of them facts', (code) => {
        const shape: CodeShape = ERROR_CODES[code];
        const known = new Set([...shape.facts, ...(shape.optional ?? [])]);
        for (const key of keysOf(code)) {
            const english = text(en, key);
            const german = text(de, key);
            expect(english, `en ${key}`).toBeTruthy();
            expect(german, `de ${key}`).toBeTruthy();
            expect(placeholders(german ?? ''), `placeholders of ${key}`).toEqual(placeholders(english ?? ''));
            for (const name of placeholders(english ?? '')) {
                if (name.startsWith('$t(')) {
                    // A nested text: its key (with a fact filled in) must exist in both languages.
                    const nestedKey = name.slice(3, -1).replace(/\{\{([A-Za-z0-9_]+)\}\}/, (_, fact: string) => {
                        expect(known.has(fact), `${key} nests the fact ${fact}`).toBe(true);
                        return '*';
                    });
                    const parent = nestedKey.split('.*')[0] ?? '';
                    const [english, german] = [nodeAt(en, parent), nodeAt(de, parent)];
                    expect(english && german && Object.keys(german).sort(), `${parent} in both languages`).toEqual(Object.keys(english ?? {}).sort());
                } else {
                    expect(known.has(name), `${key} uses {{${name}}}, which ${code} does not declare`).toBe(true);
                }
            }
            if (german !== english) continue;
            // Identical words are only fine when they hold no sentence (e.g. a bare placeholder).
            expect(german?.replace(/\{\{[^}]*\}\}/g, '').trim(), `de ${key} is still English`).toBe('');
        }
    });

    it('has no words in either language for a code or variant it does not list', () => {
        // Words for a variant nothing can send any more would only drift out of date unseen.
        const generic = new Set(['title', 'nextStep', 'dismiss']);
        for (const doc of [en, de]) {
            for (const [code, words] of Object.entries(nodeAt(doc, 'errors') ?? {})) {
                if (generic.has(code)) continue;
                const shape: CodeShape | undefined = (ERROR_CODES as Readonly<Record<string, CodeShape>>)[code];
                expect(shape, `errors.${code} is not a listed code`).toBeDefined();
                const variants = typeof words === 'object' ? Object.keys(words).flatMap((key) => /^(?:message|nextStep)_(.+)$/.exec(key)?.[1] ?? []) : [];
                for (const variant of variants) expect(shape?.variants ?? [], `errors.${code} words a variant ${variant}`).toContain(variant);
            }
        }
    });

    it('words a code and its facts in English with every placeholder filled', () => {
        const words = englishError('checksum-mismatch', { variant: 'sidecar', file: 'rom.zip', found: 'ab12', expected: 'cd34' });
        expect(words.message).toBe('rom.zip is not the file it should be: its SHA-256 is ab12, but its .sha256 file says cd34. The download is damaged or a different file.');
        expect(words.title).toBe('This file is not the right one');
        const roles = englishError('file-not-verified', { role: 'gapps', phone: 'Samsung Galaxy S4' });
        expect(roles.message).toBe('The Google apps file was not checked for the Samsung Galaxy S4.');
        const sizes = englishError('odin-disconnected', { variant: 'flash', partition: 'RECOVERY', done: 1, total: 40 });
        expect(sizes.message).toMatch(/^Flashing RECOVERY failed after 1\.0 MiB of 40\.0 MiB sent: The phone disconnected\./);
    });
});

describe('the typed list of log lines', () => {
    const codes = Object.keys(LOG_CODES) as LogCode[];

    it.each(codes)('%s has English and German words with the same placeholders, all of them facts', (code) => {
        const known = new Set<string>(LOG_CODES[code]);
        // A line with a count has a singular and a plural form in each language.
        const keys = text(en, `logLines.${code}`) === undefined ? [`logLines.${code}_one`, `logLines.${code}_other`] : [`logLines.${code}`];
        for (const key of keys) {
            const [english, german] = [text(en, key), text(de, key)];
            expect(english, `en ${key}`).toBeTruthy();
            expect(german, `de ${key}`).toBeTruthy();
            expect(german, `de ${key} is still English`).not.toBe(english);
            expect(placeholders(german ?? ''), `placeholders of ${key}`).toEqual(placeholders(english ?? ''));
            for (const name of placeholders(english ?? '')) {
                const fact = name.startsWith('$t(') ? /\{\{([A-Za-z0-9_]+)\}\}/.exec(name)?.[1] : name;
                expect(known.has(fact ?? ''), `${key} uses ${name}, which ${code} does not declare`).toBe(true);
            }
        }
    });

    it('words a line in English on Node, as the terminal and the journal show it', () => {
        expect(logLine({ code: 'waiting-for-phone', facts: { seconds: 10, mode: 'sideload' } })).toBe('Waiting up to 10 s for the phone in TWRP sideload (cancel stops the wait; Ctrl-C in a terminal).');
        expect(logLine({ code: 'storage-to-copy', facts: { count: 1, bytes: 12 } })).toBe('Internal storage holds 1 file (12 bytes) to copy.');
        expect(logLine({ code: 'checksum-matches', facts: { file: 'rom.zip', source: 'sidecar' } })).toBe('rom.zip: SHA-256 matches (its .sha256 file).');
    });
});

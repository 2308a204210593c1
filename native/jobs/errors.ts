/**
 * Errors that reach a person: a stable code and its facts (common/error-codes.ts lists them). The
 * words live in the locale files: the page words a code in the person's language; on Node the
 * message and next step are the English words, from the wording the app's edge installs
 * (electron/wording.ts). They serialise to plain data so they cross IPC, the bridge and the CLI's
 * --json unchanged.
 */
import type { ErrorCode, ErrorFacts, FactsOf } from '../../common/error-codes.js';

/** Turns a code and its facts into English; installed once by the app's edge (CLI, backend, tests). */
export type ErrorWording = (code: ErrorCode, facts: ErrorFacts) => { readonly message: string; readonly nextStep: string };

let wording: ErrorWording = (code, facts) => ({ message: `${code} ${JSON.stringify(facts)}`, nextStep: '' });

export function setErrorWording(words: ErrorWording): void {
    wording = words;
}

/**
 * A ReviveError as plain data (events, journals, --json): its code and facts, and their English
 * words for the command line and logs. The page words `code` and `details` itself.
 */
export interface ReviveErrorData {
    readonly code: string;
    readonly message: string;
    readonly nextStep: string;
    readonly details?: Readonly<Record<string, string | number | boolean>> | undefined;
}

/**
 * Made only from a listed code and its facts: there is no constructor that takes a sentence, so an
 * error cannot reach a person in words the locale files do not have (the type forbids it).
 */
export class ReviveError extends Error {
    override readonly name = 'ReviveError';
    readonly code: ErrorCode;
    readonly nextStep: string;
    readonly details: Readonly<Record<string, string | number | boolean>> | undefined;

    constructor(code: ErrorCode, facts: ErrorFacts, options?: { cause?: unknown }) {
        const words = wording(code, facts);
        super(words.message, options);
        this.code = code;
        this.nextStep = words.nextStep;
        this.details = Object.keys(facts).length > 0 ? facts : undefined;
    }

    /** A typed error: `ReviveError.of('checksum-mismatch', { file, expected, found, variant })`. */
    static of<C extends ErrorCode>(code: C, facts: FactsOf<C>, options?: { cause?: unknown }): ReviveError {
        return new ReviveError(code, facts as ErrorFacts, options);
    }

    /** The facts the words are made from (the same object as `details`). */
    get facts(): ErrorFacts {
        return this.details ?? {};
    }

    toJSON(): ReviveErrorData {
        return { code: this.code, message: this.message, nextStep: this.nextStep, ...(this.details ? { details: this.details } : {}) };
    }

    static from(error: unknown): ReviveError {
        if (error instanceof ReviveError) return error;
        const fileError = fromFileSystem(error);
        if (fileError) return fileError;
        const problem = error instanceof Error ? error.message : String(error);
        return new ReviveError('unexpected', { problem }, { cause: error });
    }
}

/** The file-system errors that have words of their own; the cable has nothing to do with them. */
const FILE_CODES = {
    ENOENT: 'file-enoent',
    EISDIR: 'file-eisdir',
    ENOTDIR: 'file-enotdir',
    EEXIST: 'file-eexist',
    EACCES: 'file-eacces',
    EPERM: 'file-eperm',
    ENOSPC: 'file-enospc',
    EROFS: 'file-erofs',
} as const satisfies Readonly<Record<string, ErrorCode>>;

function fromFileSystem(error: unknown): ReviveError | undefined {
    if (!(error instanceof Error)) return undefined;
    const { code, path } = error as NodeJS.ErrnoException;
    const fileCode = code && Object.hasOwn(FILE_CODES, code) ? FILE_CODES[code as keyof typeof FILE_CODES] : undefined;
    if (!fileCode || typeof path !== 'string') return undefined;
    return new ReviveError(fileCode, { file: path }, { cause: error });
}

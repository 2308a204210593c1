/**
 * Errors that reach a person: a stable code, a plain-language message and the next step.
 * They serialise to plain data so they cross IPC, the bridge and the CLI's --json unchanged.
 */

export interface ReviveErrorData {
    readonly code: string;
    readonly message: string;
    readonly nextStep: string;
    readonly details?: Readonly<Record<string, string | number | boolean>> | undefined;
}

export class ReviveError extends Error {
    override readonly name = 'ReviveError';
    readonly code: string;
    readonly nextStep: string;
    readonly details: Readonly<Record<string, string | number | boolean>> | undefined;

    constructor(data: ReviveErrorData, options?: { cause?: unknown }) {
        super(data.message, options);
        this.code = data.code;
        this.nextStep = data.nextStep;
        this.details = data.details;
    }

    toJSON(): ReviveErrorData {
        return { code: this.code, message: this.message, nextStep: this.nextStep, ...(this.details ? { details: this.details } : {}) };
    }

    static from(error: unknown): ReviveError {
        if (error instanceof ReviveError) return error;
        const fileError = fromFileSystem(error);
        if (fileError) return fileError;
        const message = error instanceof Error ? error.message : String(error);
        return new ReviveError(
            { code: 'unexpected', message, nextStep: 'Check the cable and the phone, then try again. If it happens again, save the log and report it.' },
            { cause: error },
        );
    }
}

/** What a file-system error means, in words; the cable has nothing to do with it. */
const FILE_PROBLEMS: Readonly<Record<string, string>> = {
    ENOENT: 'does not exist (or a folder on its way does not)',
    EISDIR: 'is a folder, where a file was expected',
    ENOTDIR: 'has a part that is a file, where a folder was expected',
    EEXIST: 'already exists, and Revive does not overwrite it',
    EACCES: 'cannot be opened: permission denied',
    EPERM: 'cannot be opened: the operation is not permitted',
    ENOSPC: 'cannot be written: the disk is full',
    EROFS: 'cannot be written: the file system is read-only',
};

function fromFileSystem(error: unknown): ReviveError | undefined {
    if (!(error instanceof Error)) return undefined;
    const { code, path } = error as NodeJS.ErrnoException;
    const problem = code ? FILE_PROBLEMS[code] : undefined;
    if (!problem || typeof path !== 'string') return undefined;
    return new ReviveError(
        {
            code: `file-${code!.toLowerCase()}`,
            message: `${path} ${problem}.`,
            nextStep: 'Check the file or folder name on this computer, then run the command again.',
            details: { file: path },
        },
        { cause: error },
    );
}

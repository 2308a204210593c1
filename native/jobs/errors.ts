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
        const message = error instanceof Error ? error.message : String(error);
        return new ReviveError(
            { code: 'unexpected', message, nextStep: 'Check the cable and the phone, then try again. If it happens again, save the log and report it.' },
            { cause: error },
        );
    }
}

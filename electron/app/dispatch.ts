/**
 * The single entry every transport (Electron IPC, the browser bridge) uses: look the command up in
 * the contract, validate the request with its zod schema, run the handler, validate the result,
 * and turn every failure into `{ code, facts }` for the page to word.
 */
import {
    commands,
    events,
    isCommandName,
    parseRequest,
    type ApiError,
    type ApiResult,
    type CommandName,
    type CommandResult,
    type EventName,
    type EventPayload,
} from '../api/contract.js';
import { ReviveError, type ReviveErrorData } from '../../native/jobs/errors.js';
import type { z } from 'zod';
import type { UploadStore } from './uploads.js';

export type CommandHandlers = {
    readonly [K in CommandName]: (request: z.output<(typeof commands)[K]['request']>) => Promise<CommandResult<K>>;
};

export type EventListener = <K extends EventName>(event: K, payload: EventPayload<K>) => void;

/** What Electron main and the bridge need from the backend. */
export interface ApiBackend {
    call(command: unknown, request: unknown): Promise<ApiResult<unknown>>;
    subscribe(listener: EventListener): () => void;
    readonly uploads: UploadStore;
    close(): Promise<void>;
}

/** What crosses to the page: a code and its facts, never words (the page words them in its language). */
export function toApiError(error: unknown): ApiError {
    return apiErrorOf(ReviveError.from(error).toJSON());
}

export function apiErrorOf(data: ReviveErrorData): ApiError {
    const facts = data.details ?? {};
    return { code: data.code, facts };
}

export async function dispatch(handlers: CommandHandlers, command: unknown, request: unknown): Promise<ApiResult<unknown>> {
    if (!isCommandName(command)) {
        return {
            ok: false,
            error: toApiError(ReviveError.of('unknown-command', { command: String(command).slice(0, 60) })),
        };
    }
    const parsed = parseRequest(command, request);
    if (!parsed.ok) return parsed;
    try {
        const handler = handlers[command] as (request: unknown) => Promise<unknown>;
        const value = commands[command].result.parse(await handler(parsed.value));
        return { ok: true, value };
    } catch (error) {
        return { ok: false, error: toApiError(error) };
    }
}

/** Events are checked on the way out too: a malformed event is a bug here, not in the page. */
export function checkEvent<K extends EventName>(event: K, payload: EventPayload<K>): EventPayload<K> {
    return events[event].parse(payload) as EventPayload<K>;
}

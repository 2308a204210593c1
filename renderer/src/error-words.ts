/** An error from the backend in the person's language: its code and facts, worded from the locale files. */
import type { TFunction } from 'i18next';
import { errorKeys } from '../../common/error-codes.js';
import type { ApiError } from './api/contract-types.js';

export interface ErrorWords {
    readonly title: string;
    readonly message: string;
    readonly nextStep: string;
}

export function errorWords(t: TFunction, error: ApiError): ErrorWords {
    const keys = errorKeys(error.code, error.facts ?? {});
    const title = t(keys.title, { ...keys.values, defaultValue: t('errors.title') });
    return { title, message: t(keys.message, keys.values), nextStep: t(keys.nextStep, keys.values) };
}

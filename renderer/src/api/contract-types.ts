/**
 * The renderer's only door to the API contract: types, nothing at run time.
 * (The lint rule's `!**\/electron/api/**` exception cannot re-include a folder whose parent
 * `**\/electron/**` is excluded, so this one import names the rule; the type-only rule still applies.)
 */
// eslint-disable-next-line no-restricted-imports -- type-only import of electron/api, see above
export type * from '../../../electron/api/contract.js';

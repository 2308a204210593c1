/** The renderer's only door to the API contract: types, nothing at run time. */
export type * from '../../../electron/api/contract.js';

/** What a recipe's file is for; the recipe schema and the API contract both validate against this list. */
export const FILE_ROLES = ['recovery', 'rom', 'gapps', 'su'] as const;
export type FileRole = (typeof FILE_ROLES)[number];

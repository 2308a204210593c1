export * from './pit.js';
export { formatPit } from './format.js';
export { pitDifferences, pitProjectName } from './compare.js';

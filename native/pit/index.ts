export * from './pit.js';
export { formatPit } from './format.js';

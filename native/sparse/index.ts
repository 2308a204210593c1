/** Android sparse images: format, layouts (raw or sparse files), writing, splitting, streaming expansion. */
export * from './format.js';
export * from './layout.js';
export * from './writer.js';
export * from './resparse.js';
export * from './reader.js';

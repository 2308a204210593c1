/** Types of scripts/build-node.js (plain JavaScript, so bin/revive.js runs without a TypeScript loader). */
export declare const ENTRIES: Readonly<Record<'revive' | 'serve', string>>;
export declare function buildNode(): Promise<{ files: number; inputs: number; ms: number }>;
export declare function ensureBuilt(name: 'revive' | 'serve'): Promise<string>;
/** The compiled code with its static imports of node: modules turned into process.getBuiltinModule() calls. */
export declare function builtinsWithoutFacade(code: string): string;

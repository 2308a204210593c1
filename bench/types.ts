/** What one benchmark measures: our time (and memory), and the reference tool's time in the same run. */
export interface BenchResult {
    readonly name: string;
    readonly ours: { readonly seconds: number; readonly peakRssMB?: number | undefined };
    readonly reference?: { readonly tool: string; readonly seconds: number } | undefined;
    readonly notes?: string | undefined;
}

export type BenchModule = { run(): Promise<BenchResult[]> };

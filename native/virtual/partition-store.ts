/**
 * The virtual phone's storage: one sparse file per partition in `DIR/partitions/<NAME>.img`.
 * A file holds what was written (its length is the stored image); beyond it the partition reads as
 * zeros. Counters and incomplete marks live in state.json (the phone persists them via onChange).
 */
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { open, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ReviveError } from '../jobs/errors.js';
import type { PartitionStore } from './mode-protocol.js';

export interface PartitionSpec {
    readonly name: string;
    readonly sizeBytes: number;
}

export interface PartitionCounters {
    writeCounts: Record<string, number>;
    /** Partition name → bytes written before the flash stopped. */
    incomplete: Record<string, number>;
}

function safeFileName(name: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) {
        throw ReviveError.of('partition-name-invalid', { partition: name });
    }
    return `${name}.img`;
}

export class FilePartitionStore implements PartitionStore {
    readonly dir: string;
    readonly #specs: Map<string, PartitionSpec>;
    readonly #counters: PartitionCounters;
    readonly #onChange: () => void;
    readonly #handles = new Map<string, Promise<FileHandle>>();

    /** Creates `DIR/partitions/` and an empty image for every partition that has none yet. */
    constructor(stateDir: string, partitions: readonly PartitionSpec[], counters: PartitionCounters, onChange: () => void) {
        this.dir = join(stateDir, 'partitions');
        this.#specs = new Map(partitions.map((p) => [p.name, p]));
        this.#counters = counters;
        this.#onChange = onChange;
        mkdirSync(this.dir, { recursive: true });
        for (const p of partitions) closeSync(openSync(join(this.dir, safeFileName(p.name)), 'a'));
    }

    names(): string[] {
        return [...this.#specs.keys()];
    }

    has(name: string): boolean {
        return this.#specs.has(name);
    }

    #spec(name: string): PartitionSpec {
        const spec = this.#specs.get(name);
        if (!spec) {
            throw ReviveError.of('virtual-partition-unknown', { partition: name, known: this.names().join(', ') });
        }
        return spec;
    }

    sizeBytes(name: string): number {
        return this.#spec(name).sizeBytes;
    }

    path(name: string): string {
        this.#spec(name);
        return join(this.dir, safeFileName(name));
    }

    #handle(name: string): Promise<FileHandle> {
        let handle = this.#handles.get(name);
        if (!handle) {
            handle = open(this.path(name), 'r+');
            this.#handles.set(name, handle);
            handle.catch(() => this.#handles.delete(name));
        }
        return handle;
    }

    async write(name: string, offset: number, data: Uint8Array): Promise<void> {
        const spec = this.#spec(name);
        if (offset < 0 || offset + data.length > spec.sizeBytes) {
            throw ReviveError.of('partition-overflow', { variant: 'write', partition: name, size: data.length, offset, limit: spec.sizeBytes });
        }
        const handle = await this.#handle(name);
        let done = 0;
        while (done < data.length) {
            const { bytesWritten } = await handle.write(data, done, data.length - done, offset + done);
            done += bytesWritten;
        }
        this.#counters.writeCounts[name] = (this.#counters.writeCounts[name] ?? 0) + 1;
        this.#onChange();
    }

    async read(name: string, offset: number, length: number): Promise<Uint8Array> {
        const spec = this.#spec(name);
        const end = Math.min(offset + length, spec.sizeBytes);
        const out = new Uint8Array(Math.max(0, end - offset));
        if (out.length === 0) return out;
        const handle = await this.#handle(name);
        let done = 0;
        while (done < out.length) {
            const { bytesRead } = await handle.read(out, done, out.length - done, offset + done);
            if (bytesRead === 0) break; // past the stored image: zeros
            done += bytesRead;
        }
        return out;
    }

    async erase(name: string): Promise<void> {
        await truncate(this.path(name), 0);
        this.#counters.writeCounts[name] = (this.#counters.writeCounts[name] ?? 0) + 1;
        this.#onChange();
    }

    async truncate(name: string, lengthBytes: number): Promise<void> {
        const spec = this.#spec(name);
        if (lengthBytes < 0 || lengthBytes > spec.sizeBytes) {
            throw ReviveError.of('partition-overflow', { variant: 'image', partition: name, size: lengthBytes, limit: spec.sizeBytes });
        }
        await truncate(this.path(name), lengthBytes);
    }

    async storedLength(name: string): Promise<number> {
        return (await stat(this.path(name))).size;
    }

    writeCount(name: string): number {
        this.#spec(name);
        return this.#counters.writeCounts[name] ?? 0;
    }

    markIncomplete(name: string, bytesWritten: number): void {
        this.#spec(name);
        this.#counters.incomplete[name] = bytesWritten;
        this.#onChange();
    }

    markComplete(name: string): void {
        if (!(name in this.#counters.incomplete)) return;
        delete this.#counters.incomplete[name];
        this.#onChange();
    }

    isIncomplete(name: string): boolean {
        return name in this.#counters.incomplete;
    }

    /** Close cached file handles (the phone is shutting down). */
    async close(): Promise<void> {
        const handles = [...this.#handles.values()];
        this.#handles.clear();
        await Promise.all(handles.map(async (h) => (await h.catch(() => undefined))?.close()));
    }
}

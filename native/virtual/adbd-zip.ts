/** Reading zips on the virtual phone (recovery's package check, pm install) without loading them whole. */
import yauzl from 'yauzl';

export interface OpenedZip {
    readonly names: string[];
    /** Read one (small) entry as text, or undefined when it is absent. */
    readText(name: string, limitBytes?: number): Promise<string | undefined>;
    /** Read one (small) entry's bytes, or undefined when it is absent. */
    readBytes(name: string, limitBytes?: number): Promise<Buffer | undefined>;
    close(): Promise<void>;
}

export function openZip(path: string): Promise<OpenedZip> {
    return new Promise((resolve, reject) => {
        yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, zip) => {
            if (error || !zip) return reject(error ?? new Error('cannot open zip'));
            const entries = new Map<string, yauzl.Entry>();
            zip.on('entry', (entry: yauzl.Entry) => {
                entries.set(entry.fileName, entry);
                zip.readEntry();
            });
            zip.on('error', reject);
            zip.on('end', () => {
                const readBytes = (name: string, limitBytes = 1024 * 1024): Promise<Buffer | undefined> => {
                    const entry = entries.get(name);
                    if (!entry) return Promise.resolve(undefined);
                    if (entry.uncompressedSize > limitBytes) return Promise.reject(new Error(`${name} is larger than ${limitBytes} bytes`));
                    return new Promise((res, rej) => {
                        zip.openReadStream(entry, (streamError, stream) => {
                            if (streamError || !stream) return rej(streamError ?? new Error(`cannot read ${name}`));
                            const chunks: Buffer[] = [];
                            stream.on('data', (chunk: Buffer) => chunks.push(chunk));
                            stream.on('error', rej);
                            stream.on('end', () => res(Buffer.concat(chunks)));
                        });
                    });
                };
                resolve({
                    names: [...entries.keys()],
                    readBytes,
                    readText: async (name, limitBytes) => (await readBytes(name, limitBytes))?.toString('utf8'),
                    async close() {
                        zip.close();
                    },
                });
            });
            zip.readEntry();
        });
    });
}

/**
 * A job's id: sortable by when it started and unguessable, `20240101-120000-ab12cd`. Whoever starts
 * a job picks it (the page before it asks the backend, the CLI before it runs), so the first event
 * of the job already names a job its listener knows.
 */
export function newJobId(now: Date = new Date()): string {
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const random = globalThis.crypto.getRandomValues(new Uint8Array(3));
    return `${stamp}-${Array.from(random, (byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * A virtual phone served by `revive virtual-phone serve` in a process of its own, as a real phone is
 * a device of its own: what it costs to be the phone is then not charged to the process measured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REVIVE = fileURLToPath(new URL('../bin/revive.js', import.meta.url));

export interface Served {
    readonly child: ChildProcess;
    readonly endpoints: { serial: string; adb: string | null; fastboot: string | null };
}

/** `revive virtual-phone serve …` until its one JSON line says where it listens. */
export function serve(args: string[], env: NodeJS.ProcessEnv): Promise<Served> {
    const child = spawn(process.execPath, [REVIVE, 'virtual-phone', 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    return new Promise((resolve, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.once('line', (line) => resolve({ child, endpoints: JSON.parse(line) as Served['endpoints'] }));
        child.once('exit', (code) => reject(new Error(`virtual-phone serve exited with ${code}`)));
    });
}

export async function stop(served: Served): Promise<void> {
    const exited = new Promise((resolve) => served.child.once('exit', resolve));
    served.child.kill('SIGTERM');
    await exited;
}

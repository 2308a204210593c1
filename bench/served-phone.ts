/**
 * A virtual phone served by `revive virtual-phone serve` in a process of its own, as a real phone is
 * a device of its own: what it costs to be the phone is then not charged to the process measured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/** CPU seconds (user + system) the phone's process has used so far (Linux: /proc/PID/stat, in clock ticks of 1/100 s). */
export function phoneCpuSeconds(served: Served): number {
    const stat = readFileSync(`/proc/${served.child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
}

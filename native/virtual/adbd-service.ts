/**
 * The types the virtual adbd's services share with the connection that runs them. They live here,
 * not in adbd.ts, so that the services (shell, sync, TWRP, …) and adbd.ts, which dispatches to
 * them, do not import each other.
 */
import type { VirtualFs } from './adbd-fs.js';
import type { VirtualPhoneView } from './mode-protocol.js';
import type { PhoneMode } from '../manifests/schema.js';

export type AdbdMode = 'android' | 'recovery' | 'sideload';

/** What a service needs from the connection it runs on. */
export interface ServiceContext {
    readonly phone: VirtualPhoneView;
    readonly mode: AdbdMode;
    readonly fs: VirtualFs;
    readonly signal: AbortSignal;
    /** Reboot once the current replies are on their way (the chassis drops this connection). */
    rebootSoon(mode: PhoneMode): void;
}

export interface ShellResult {
    stdout: string;
    stderr: string;
    exitCode: number;
}

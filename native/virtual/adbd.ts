/**
 * The virtual phone's adbd for modes android, recovery (TWRP) and sideload (minadbd): CNXN with a
 * banner per mode, RSA auth against the keys the owner allowed (android only; TWRP and minadbd
 * accept any host, like the real ones), streams with classic flow control and the services real
 * tools use.
 */
import type { ModeProtocol, VirtualPhoneView } from './mode-protocol.js';
import type { DevicePipe } from './pipe.js';
import type { PhoneMode } from '../manifests/schema.js';
import { UsbError } from '../usb/transport.js';
import { AdbCmd, ADB_MAX_PAYLOAD, ADB_VERSION_MIN, ADB_VERSION_SKIP_CHECKSUM, AdbProtocolError, encodeHeader, joinPieces, MessageReader, type AdbMessage } from './adbd-wire.js';
import { newAuthToken, parseAdbPublicKey, verifyTokenSignature } from './adbd-auth.js';
import { AdbdStream, StreamClosedError, type AdbdStreamSink } from './adbd-stream.js';
import { VirtualFs } from './adbd-fs.js';
import type { AdbdMode, ServiceContext } from './adbd-service.js';
import { runShellService, runShellV2Service } from './adbd-shell.js';
import { runSyncService } from './adbd-sync.js';
import { runSideloadService } from './adbd-sideload.js';

const AUTH_TOKEN = 1;
const AUTH_SIGNATURE = 2;
const AUTH_RSAPUBLICKEY = 3;

/** Features we implement; advertising more would make real adb use protocols we do not speak. */
const FEATURES = ['shell_v2', 'fixed_push_mkdir'];

export function isAdbMode(mode: PhoneMode): mode is AdbdMode {
    return mode === 'android' || mode === 'recovery' || mode === 'sideload';
}

/** The CNXN banner, e.g. `device::ro.product.name=…;ro.product.model=…;ro.product.device=…;features=…`. */
export function adbBanner(phone: VirtualPhoneView, mode: AdbdMode): string {
    const systemType = mode === 'android' ? 'device' : mode;
    const recipe = phone.recipe;
    const device = recipe.codenames[0] ?? recipe.id;
    const model = (recipe.models[0] ?? recipe.name).replace(/[;:=]/g, '_');
    const features = mode === 'sideload' ? '' : `features=${FEATURES.join(',')}`;
    return `${systemType}::ro.product.name=${recipe.id};ro.product.model=${model};ro.product.device=${device};${features}`;
}

type Service = (stream: AdbdStream, context: ServiceContext) => Promise<void>;

function rebootTarget(phone: VirtualPhoneView, reason: string): PhoneMode {
    switch (reason) {
        case 'bootloader':
            return 'bootloader';
        case 'recovery':
            return 'recovery';
        case 'sideload':
        case 'sideload-auto-reboot':
            return 'sideload';
        case 'download':
            // Only Samsung bootloaders know "download"; elsewhere the reason is ignored and the phone boots normally.
            return phone.recipe.usb.download ? 'download' : 'android';
        case 'fastboot':
            return phone.recipe.usb.bootloader ? 'bootloader' : 'android';
        default:
            return 'android';
    }
}

/** Pick the service for an OPEN string, or undefined to refuse it (CLSE), as adbd does. */
function findService(name: string, mode: AdbdMode): Service | undefined {
    if (name.startsWith('reboot:') || name === 'reboot') {
        const reason = name.slice('reboot:'.length);
        return async (stream, context) => {
            context.phone.log(`adbd: reboot ${reason || '(normal)'}`);
            stream.close();
            context.rebootSoon(rebootTarget(context.phone, reason));
        };
    }
    if (mode === 'sideload') {
        // minadbd serves nothing but the sideload protocol and reboot.
        if (name.startsWith('sideload-host:')) return (stream, context) => runSideloadService(stream, context, name.slice('sideload-host:'.length));
        return undefined;
    }
    if (name === 'sync:') return runSyncService;
    if (name.startsWith('shell')) {
        const colon = name.indexOf(':');
        const options = (colon < 0 ? name : name.slice(0, colon)).split(',').slice(1);
        const command = colon < 0 ? '' : name.slice(colon + 1);
        if (options.includes('v2')) return (stream, context) => runShellV2Service(stream, context, command);
        return (stream, context) => runShellService(stream, context, command);
    }
    if (name.startsWith('exec:')) return (stream, context) => runShellService(stream, context, name.slice('exec:'.length));
    return undefined;
}

class AdbdConnection implements AdbdStreamSink {
    readonly #pipe: DevicePipe;
    readonly #phone: VirtualPhoneView;
    readonly #mode: AdbdMode;
    readonly #signal: AbortSignal;
    readonly #streams = new Map<number, AdbdStream>();
    readonly #context: ServiceContext;
    #nextId = 1;
    #online = false;
    #checksum = true;
    #token: Uint8Array | undefined;
    maxPayload = 4096;

    constructor(pipe: DevicePipe, phone: VirtualPhoneView, mode: AdbdMode, signal: AbortSignal) {
        this.#pipe = pipe;
        this.#phone = phone;
        this.#mode = mode;
        this.#signal = signal;
        let rebooting = false;
        this.#context = {
            phone,
            mode,
            fs: new VirtualFs(phone.stateDir),
            signal,
            rebootSoon: (target) => {
                if (rebooting) return;
                rebooting = true;
                // Let the CLSE/reply reach the host first; a real phone takes a moment too.
                setTimeout(() => phone.reboot(target), 50);
            },
        };
    }

    #send(message: AdbMessage): void {
        this.#pipe.send(encodeHeader(message, this.#checksum));
        if (message.payload.length > 0) this.#pipe.send(message.payload);
    }

    sendWrite(localId: number, remoteId: number, data: Uint8Array): void {
        this.#send({ command: AdbCmd.WRTE, arg0: localId, arg1: remoteId, payload: data });
    }

    sendOkay(localId: number, remoteId: number): void {
        this.#send({ command: AdbCmd.OKAY, arg0: localId, arg1: remoteId, payload: new Uint8Array(0) });
    }

    sendClose(localId: number, remoteId: number): void {
        this.#streams.delete(localId);
        this.#send({ command: AdbCmd.CLSE, arg0: localId, arg1: remoteId, payload: new Uint8Array(0) });
    }

    #sendConnect(): void {
        this.#online = true;
        const banner = new TextEncoder().encode(adbBanner(this.#phone, this.#mode));
        this.#send({ command: AdbCmd.CNXN, arg0: ADB_VERSION_SKIP_CHECKSUM, arg1: ADB_MAX_PAYLOAD, payload: banner });
    }

    #sendToken(): void {
        this.#token = newAuthToken();
        this.#send({ command: AdbCmd.AUTH, arg0: AUTH_TOKEN, arg1: 0, payload: this.#token });
    }

    async #onAuth(message: AdbMessage): Promise<void> {
        if (message.arg0 === AUTH_SIGNATURE && this.#token) {
            const token = this.#token;
            const accepted = this.#phone.state.adbKeys.some((text) => {
                const key = parseAdbPublicKey(text);
                return key !== undefined && verifyTokenSignature(key, token, message.payload);
            });
            if (accepted) {
                this.#phone.log('adbd: host key verified');
                this.#sendConnect();
            } else {
                this.#sendToken();
            }
            return;
        }
        if (message.arg0 === AUTH_RSAPUBLICKEY) {
            const text = new TextDecoder().decode(message.payload).replace(/\0+$/, '').trim();
            const key = parseAdbPublicKey(text);
            if (!key) return;
            const fingerprint = text.split(/\s+/)[1] ?? 'this computer';
            const allowed = await this.#phone.owner.confirm(`Allow USB debugging? The computer's RSA key (${fingerprint}) will be trusted.`, this.#signal);
            if (!allowed) {
                this.#phone.log('adbd: owner refused the host key');
                return;
            }
            if (!this.#phone.state.adbKeys.includes(key.text)) {
                this.#phone.state.adbKeys.push(key.text);
                await this.#phone.saveState();
            }
            this.#sendConnect();
        }
    }

    #onConnect(message: AdbMessage): void {
        const version = Math.min(message.arg0, ADB_VERSION_SKIP_CHECKSUM);
        if (version < ADB_VERSION_MIN) throw new AdbProtocolError('host adb protocol version too old');
        this.#checksum = version < ADB_VERSION_SKIP_CHECKSUM;
        this.maxPayload = Math.max(4096, Math.min(message.arg1, ADB_MAX_PAYLOAD));
        // A new CNXN resets the connection, as on adbd.
        for (const stream of this.#streams.values()) stream.hostClosed();
        this.#streams.clear();
        this.#online = false;
        if (this.#mode === 'android') this.#sendToken();
        else this.#sendConnect();
    }

    #onOpen(message: AdbMessage): void {
        const remoteId = message.arg0;
        // Since protocol 0x01000001 hosts may leave out the NUL terminator.
        const name = new TextDecoder().decode(message.payload).replace(/\0+$/, '');
        const service = findService(name, this.#mode);
        if (!service || remoteId === 0) {
            this.#phone.log(`adbd: refused service ${name}`);
            this.#send({ command: AdbCmd.CLSE, arg0: 0, arg1: remoteId, payload: new Uint8Array(0) });
            return;
        }
        const localId = this.#nextId++;
        if (process.env['REVIVE_ADBD_TRACE']) this.#phone.log(`adbd: open ${name}`);
        const stream = new AdbdStream(localId, remoteId, name, this);
        this.#streams.set(localId, stream);
        this.#send({ command: AdbCmd.OKAY, arg0: localId, arg1: remoteId, payload: new Uint8Array(0) });
        void service(stream, this.#context)
            .catch((error: unknown) => {
                if (!(error instanceof StreamClosedError) && !(error instanceof UsbError)) {
                    this.#phone.log(`adbd: service ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
                }
            })
            .finally(() => stream.close());
    }

    async run(): Promise<void> {
        const reader = new MessageReader(this.#pipe, this.#signal);
        try {
            for (;;) {
                const received = await reader.next();
                // Control messages whole; a WRTE's payload goes on as the pieces it came in.
                const message: AdbMessage = received.command === AdbCmd.WRTE ? { ...received, payload: new Uint8Array(0) } : { ...received, payload: joinPieces(received.pieces) };
                switch (message.command) {
                    case AdbCmd.CNXN:
                        this.#onConnect(message);
                        break;
                    case AdbCmd.AUTH:
                        if (!this.#online && this.#mode === 'android') await this.#onAuth(message);
                        break;
                    case AdbCmd.OPEN:
                        if (this.#online) this.#onOpen(message);
                        break;
                    case AdbCmd.OKAY:
                        this.#streams.get(message.arg1)?.okayFromHost();
                        break;
                    case AdbCmd.WRTE: {
                        const stream = this.#streams.get(message.arg1);
                        if (stream) stream.pushFromHost(received.pieces);
                        else this.#send({ command: AdbCmd.CLSE, arg0: 0, arg1: message.arg0, payload: new Uint8Array(0) });
                        break;
                    }
                    case AdbCmd.CLSE: {
                        const stream = this.#streams.get(message.arg1);
                        this.#streams.delete(message.arg1);
                        stream?.hostClosed();
                        break;
                    }
                    default:
                        throw new AdbProtocolError(`unknown adb command 0x${message.command.toString(16)}`);
                }
            }
        } catch (error) {
            if (error instanceof UsbError || this.#signal.aborted) return;
            if (error instanceof AdbProtocolError) {
                this.#phone.log(`adbd: ${error.message}; dropping the connection`);
                return;
            }
            throw error;
        } finally {
            for (const stream of this.#streams.values()) stream.hostClosed();
            this.#streams.clear();
        }
    }
}

export const adbdProtocol: ModeProtocol = {
    async serve(pipe, phone, signal) {
        const mode = phone.state.mode;
        if (!isAdbMode(mode)) return;
        await new VirtualFs(phone.stateDir).ensureLayout();
        await new AdbdConnection(pipe, phone, mode, signal).run();
    },
};

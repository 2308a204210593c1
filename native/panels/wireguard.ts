/**
 * WireGuard profiles for the phone: an X25519 key pair, a wg-quick configuration the WireGuard app
 * imports (file or QR code), and the `[Peer]` block to add on the server.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { FactsOf } from '../../common/error-codes.js';
import { ReviveError } from '../jobs/errors.js';

export interface WireGuardKeyPair {
    /** 32 raw bytes, base64 (the `wg genkey` form). */
    readonly privateKey: string;
    /** 32 raw bytes, base64 (the `wg pubkey` form). */
    readonly publicKey: string;
}

export interface WireGuardProfileOptions {
    /** Tunnel name as the WireGuard app shows it; becomes the file name `wg-<name>.conf`. */
    readonly name: string;
    /** The phone's tunnel addresses, e.g. `10.8.0.2/32` (and an IPv6 `/128`). */
    readonly addresses: readonly string[];
    /** DNS servers used while the tunnel is up; empty to keep the network's. */
    readonly dns: readonly string[];
    /** The server's public key (base64, 32 bytes). */
    readonly serverPublicKey: string;
    /** `host:port` or `[v6]:port`. */
    readonly endpoint: string;
    /** Default `0.0.0.0/0, ::/0` (all traffic through the tunnel). */
    readonly allowedIps?: readonly string[] | undefined;
    /** Seconds; default 25 (keeps NAT mappings alive on mobile networks); 0 turns it off. */
    readonly persistentKeepalive?: number | undefined;
    /** Use this key pair instead of a fresh one (e.g. re-exporting a profile). */
    readonly keyPair?: WireGuardKeyPair | undefined;
    /** Use this pre-shared key instead of a fresh one. */
    readonly presharedKey?: string | undefined;
}

export interface WireGuardProfile {
    readonly name: string;
    readonly keyPair: WireGuardKeyPair;
    readonly presharedKey: string;
    /** The phone's wg-quick configuration (contains the private key: a secret). */
    readonly config: string;
    /** The `[Peer]` block for the server's configuration (public key, PSK, the phone's addresses). */
    readonly serverPeerBlock: string;
    /** Where the phone's copy goes: the WireGuard app imports from Downloads. */
    readonly phonePath: string;
    readonly fileName: string;
}

export const DEFAULT_ALLOWED_IPS = ['0.0.0.0/0', '::/0'] as const;
export const PHONE_DOWNLOAD_DIR = '/sdcard/Download';

function bad(facts: FactsOf<'wireguard-input'>): ReviveError {
    return ReviveError.of('wireguard-input', facts);
}

function fromBase64Url(text: string): Buffer {
    return Buffer.from(text, 'base64url');
}

/** Fresh X25519 key pair, as `wg genkey | tee priv | wg pubkey` would give. */
export function generateWireGuardKeyPair(): WireGuardKeyPair {
    const { privateKey, publicKey } = generateKeyPairSync('x25519');
    const priv = privateKey.export({ format: 'jwk' });
    const pub = publicKey.export({ format: 'jwk' });
    if (typeof priv.d !== 'string' || typeof pub.x !== 'string') throw new Error('node:crypto returned an X25519 JWK without d/x');
    return { privateKey: fromBase64Url(priv.d).toString('base64'), publicKey: fromBase64Url(pub.x).toString('base64') };
}

/** The public key for a base64 private key (what `wg pubkey` computes). */
export function wireGuardPublicKey(privateKeyBase64: string): string {
    const raw = decodeKey(privateKeyBase64, 'private-key');
    const key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: raw.toString('base64url'), x: '' }, format: 'jwk' });
    const jwk = createPublicKey(key).export({ format: 'jwk' });
    if (typeof jwk.x !== 'string') throw new Error('node:crypto returned an X25519 JWK without x');
    return fromBase64Url(jwk.x).toString('base64');
}

export function generatePresharedKey(): string {
    return randomBytes(32).toString('base64');
}

function decodeKey(base64: string, what: 'private-key' | 'server-public-key' | 'preshared-key'): Buffer {
    const trimmed = base64.trim();
    const raw = Buffer.from(trimmed, 'base64');
    if (!/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(trimmed) || raw.length !== 32) {
        throw bad({ variant: what, text: trimmed });
    }
    return raw;
}

/** Tunnel names: what Linux accepts as an interface name and the WireGuard app as a tunnel name. */
export function checkTunnelName(name: string): void {
    if (!/^[a-zA-Z0-9_=+.-]{1,12}$/.test(name)) {
        throw bad({ variant: 'tunnel-name', text: name });
    }
}

function checkCidr(value: string, what: 'tunnel-address' | 'allowed-ips'): string {
    const trimmed = value.trim();
    const [address, prefix, extra] = trimmed.split('/');
    const family = address ? isIP(address) : 0;
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    const max = family === 6 ? 128 : 32;
    if (!family || extra !== undefined || !Number.isInteger(bits) || bits < 0 || bits > max || (prefix !== undefined && !/^\d+$/.test(prefix))) {
        throw bad({ variant: what, text: trimmed });
    }
    return prefix === undefined ? `${address}/${bits}` : trimmed;
}

function checkEndpoint(endpoint: string): string {
    const trimmed = endpoint.trim();
    const match = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):(\d{1,5})$/.exec(trimmed);
    const port = match ? Number(match[2]) : 0;
    const host = match?.[1] ?? '';
    const hostOk = host.startsWith('[') ? isIP(host.slice(1, -1)) === 6 : host.length > 0 && !host.startsWith('-') && !host.endsWith('.');
    if (!match || port < 1 || port > 65535 || !hostOk) {
        throw bad({ variant: 'endpoint', text: trimmed });
    }
    return trimmed;
}

function checkDns(server: string): string {
    const trimmed = server.trim();
    if (!isIP(trimmed)) throw bad({ variant: 'dns', text: trimmed });
    return trimmed;
}

/** Builds the phone's profile. Pure apart from generating keys. */
export function createWireGuardProfile(options: WireGuardProfileOptions): WireGuardProfile {
    checkTunnelName(options.name);
    if (options.addresses.length === 0) throw bad({ variant: 'no-address' });
    const addresses = options.addresses.map((a) => checkCidr(a, 'tunnel-address'));
    const dns = options.dns.map(checkDns);
    decodeKey(options.serverPublicKey, 'server-public-key');
    const endpoint = checkEndpoint(options.endpoint);
    const allowedIps = (options.allowedIps && options.allowedIps.length > 0 ? options.allowedIps : DEFAULT_ALLOWED_IPS).map((a) => checkCidr(a, 'allowed-ips'));
    const keepalive = options.persistentKeepalive ?? 25;
    if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65535) throw bad({ variant: 'keepalive', text: String(keepalive) });
    const keyPair = options.keyPair ?? generateWireGuardKeyPair();
    decodeKey(keyPair.privateKey, 'private-key');
    if (wireGuardPublicKey(keyPair.privateKey) !== keyPair.publicKey) throw bad({ variant: 'key-pair' });
    const presharedKey = options.presharedKey ?? generatePresharedKey();
    decodeKey(presharedKey, 'preshared-key');

    const config = [
        '[Interface]',
        `PrivateKey = ${keyPair.privateKey}`,
        `Address = ${addresses.join(', ')}`,
        ...(dns.length > 0 ? [`DNS = ${dns.join(', ')}`] : []),
        '',
        '[Peer]',
        `PublicKey = ${options.serverPublicKey.trim()}`,
        `PresharedKey = ${presharedKey}`,
        `Endpoint = ${endpoint}`,
        `AllowedIPs = ${allowedIps.join(', ')}`,
        ...(keepalive > 0 ? [`PersistentKeepalive = ${keepalive}`] : []),
        '',
    ].join('\n');
    // On the server, only the phone's own tunnel addresses are routed to it (host routes).
    const serverAllowed = addresses.map((a) => {
        const [address] = a.split('/');
        return isIP(address ?? '') === 6 ? `${address}/128` : `${address}/32`;
    });
    const serverPeerBlock = [
        `# ${options.name} (phone)`,
        '[Peer]',
        `PublicKey = ${keyPair.publicKey}`,
        `PresharedKey = ${presharedKey}`,
        `AllowedIPs = ${serverAllowed.join(', ')}`,
        '',
    ].join('\n');
    const fileName = `wg-${options.name}.conf`;
    return { name: options.name, keyPair, presharedKey, config, serverPeerBlock, fileName, phonePath: `${PHONE_DOWNLOAD_DIR}/${fileName}` };
}

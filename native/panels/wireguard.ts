/**
 * WireGuard profiles for the phone: an X25519 key pair, a wg-quick configuration the WireGuard app
 * imports (file or QR code), and the `[Peer]` block to add on the server.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
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

function bad(message: string, nextStep: string): ReviveError {
    return new ReviveError({ code: 'wireguard-input', message, nextStep });
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
    const raw = decodeKey(privateKeyBase64, 'private key');
    const key = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: raw.toString('base64url'), x: '' }, format: 'jwk' });
    const jwk = createPublicKey(key).export({ format: 'jwk' });
    if (typeof jwk.x !== 'string') throw new Error('node:crypto returned an X25519 JWK without x');
    return fromBase64Url(jwk.x).toString('base64');
}

export function generatePresharedKey(): string {
    return randomBytes(32).toString('base64');
}

function decodeKey(base64: string, what: string): Buffer {
    const trimmed = base64.trim();
    const raw = Buffer.from(trimmed, 'base64');
    if (!/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(trimmed) || raw.length !== 32) {
        throw bad(`The ${what} "${trimmed}" is not a WireGuard key (44 characters of base64 ending in "=", 32 bytes).`, `Copy the ${what} again exactly as \`wg\` prints it.`);
    }
    return raw;
}

/** Tunnel names: what Linux accepts as an interface name and the WireGuard app as a tunnel name. */
export function checkTunnelName(name: string): void {
    if (!/^[a-zA-Z0-9_=+.-]{1,12}$/.test(name)) {
        throw bad(`The tunnel name "${name}" cannot be used.`, 'Use 1 to 12 letters, digits or _ = + . - (no spaces): the phone shows it as wg-<name>.');
    }
}

function checkCidr(value: string, what: string): string {
    const trimmed = value.trim();
    const [address, prefix, extra] = trimmed.split('/');
    const family = address ? isIP(address) : 0;
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    const max = family === 6 ? 128 : 32;
    if (!family || extra !== undefined || !Number.isInteger(bits) || bits < 0 || bits > max || (prefix !== undefined && !/^\d+$/.test(prefix))) {
        throw bad(`The ${what} "${trimmed}" is not an IP address with an optional /prefix.`, `Write it like 10.8.0.2/32 or fd00::2/128.`);
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
        throw bad(`The server address "${trimmed}" is not host:port.`, 'Write it like vpn.example.org:51820, 203.0.113.7:51820 or [2001:db8::1]:51820.');
    }
    return trimmed;
}

function checkDns(server: string): string {
    const trimmed = server.trim();
    if (!isIP(trimmed)) throw bad(`The DNS server "${trimmed}" is not an IP address.`, 'Give the DNS server as an address such as 10.8.0.1 or 9.9.9.9.');
    return trimmed;
}

/** Builds the phone's profile. Pure apart from generating keys. */
export function createWireGuardProfile(options: WireGuardProfileOptions): WireGuardProfile {
    checkTunnelName(options.name);
    if (options.addresses.length === 0) throw bad('The phone needs at least one tunnel address.', 'Give the address the server assigned to this phone, e.g. 10.8.0.2/32.');
    const addresses = options.addresses.map((a) => checkCidr(a, 'tunnel address'));
    const dns = options.dns.map(checkDns);
    decodeKey(options.serverPublicKey, 'server public key');
    const endpoint = checkEndpoint(options.endpoint);
    const allowedIps = (options.allowedIps && options.allowedIps.length > 0 ? options.allowedIps : DEFAULT_ALLOWED_IPS).map((a) => checkCidr(a, 'allowed IP range'));
    const keepalive = options.persistentKeepalive ?? 25;
    if (!Number.isInteger(keepalive) || keepalive < 0 || keepalive > 65535) throw bad(`The keepalive "${keepalive}" is not a number of seconds between 0 and 65535.`, 'Use 25 (the usual value) or 0 to turn it off.');
    const keyPair = options.keyPair ?? generateWireGuardKeyPair();
    decodeKey(keyPair.privateKey, 'private key');
    if (wireGuardPublicKey(keyPair.privateKey) !== keyPair.publicKey) throw bad('The given public key does not belong to the given private key.', 'Give only the private key, or a matching pair.');
    const presharedKey = options.presharedKey ?? generatePresharedKey();
    decodeKey(presharedKey, 'pre-shared key');

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

/**
 * USB standard descriptors (USB 2.0 chapter 9) as typed values, with one encoder and one parser.
 * The virtual phone encodes its face from these; the in-process and USB/IP `USBDevice`s parse the
 * same bytes, so both see exactly what a host would read from the wire.
 */

export const DescriptorType = {
    device: 0x01,
    configuration: 0x02,
    string: 0x03,
    interface: 0x04,
    endpoint: 0x05,
    deviceQualifier: 0x06,
    csInterface: 0x24,
} as const;

export interface DeviceDescriptor {
    readonly bcdUSB: number;
    readonly deviceClass: number;
    readonly deviceSubclass: number;
    readonly deviceProtocol: number;
    readonly maxPacketSize0: number;
    readonly vendorId: number;
    readonly productId: number;
    readonly bcdDevice: number;
    readonly manufacturerIndex: number;
    readonly productIndex: number;
    readonly serialIndex: number;
    readonly numConfigurations: number;
}

export interface EndpointDescriptor {
    /** Bit 7 set = IN. */
    readonly address: number;
    /** 2 = bulk, 3 = interrupt. */
    readonly attributes: number;
    readonly maxPacketSize: number;
    readonly interval: number;
}

export interface InterfaceDescriptor {
    readonly interfaceNumber: number;
    readonly alternateSetting: number;
    readonly interfaceClass: number;
    readonly interfaceSubclass: number;
    readonly interfaceProtocol: number;
    readonly nameIndex: number;
    /** Class-specific descriptors (e.g. CDC functional descriptors), raw, each a whole descriptor. */
    readonly extra: readonly Uint8Array[];
    readonly endpoints: readonly EndpointDescriptor[];
}

export interface ConfigurationDescriptor {
    readonly configurationValue: number;
    readonly nameIndex: number;
    readonly attributes: number;
    /** In 2 mA units, as on the wire. */
    readonly maxPower: number;
    readonly interfaces: readonly InterfaceDescriptor[];
}

export function encodeDeviceDescriptor(d: DeviceDescriptor): Uint8Array {
    const out = new Uint8Array(18);
    const view = new DataView(out.buffer);
    out[0] = 18;
    out[1] = DescriptorType.device;
    view.setUint16(2, d.bcdUSB, true);
    out[4] = d.deviceClass;
    out[5] = d.deviceSubclass;
    out[6] = d.deviceProtocol;
    out[7] = d.maxPacketSize0;
    view.setUint16(8, d.vendorId, true);
    view.setUint16(10, d.productId, true);
    view.setUint16(12, d.bcdDevice, true);
    out[14] = d.manufacturerIndex;
    out[15] = d.productIndex;
    out[16] = d.serialIndex;
    out[17] = d.numConfigurations;
    return out;
}

export function parseDeviceDescriptor(bytes: Uint8Array): DeviceDescriptor {
    if (bytes.length < 18 || bytes[1] !== DescriptorType.device) throw new Error(`Not a device descriptor (${bytes.length} bytes).`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return {
        bcdUSB: view.getUint16(2, true),
        deviceClass: bytes[4] ?? 0,
        deviceSubclass: bytes[5] ?? 0,
        deviceProtocol: bytes[6] ?? 0,
        maxPacketSize0: bytes[7] ?? 0,
        vendorId: view.getUint16(8, true),
        productId: view.getUint16(10, true),
        bcdDevice: view.getUint16(12, true),
        manufacturerIndex: bytes[14] ?? 0,
        productIndex: bytes[15] ?? 0,
        serialIndex: bytes[16] ?? 0,
        numConfigurations: bytes[17] ?? 0,
    };
}

export function encodeConfigurationDescriptor(c: ConfigurationDescriptor): Uint8Array {
    const parts: Uint8Array[] = [];
    const numbers = new Set(c.interfaces.map((i) => i.interfaceNumber));
    for (const iface of c.interfaces) {
        parts.push(
            Uint8Array.of(9, DescriptorType.interface, iface.interfaceNumber, iface.alternateSetting, iface.endpoints.length,
                iface.interfaceClass, iface.interfaceSubclass, iface.interfaceProtocol, iface.nameIndex),
        );
        parts.push(...iface.extra);
        for (const ep of iface.endpoints) {
            parts.push(Uint8Array.of(7, DescriptorType.endpoint, ep.address, ep.attributes, ep.maxPacketSize & 0xff, ep.maxPacketSize >> 8, ep.interval));
        }
    }
    const total = 9 + parts.reduce((sum, p) => sum + p.length, 0);
    const out = new Uint8Array(total);
    out.set([9, DescriptorType.configuration, total & 0xff, total >> 8, numbers.size, c.configurationValue, c.nameIndex, c.attributes, c.maxPower]);
    let offset = 9;
    for (const part of parts) {
        out.set(part, offset);
        offset += part.length;
    }
    return out;
}

export function parseConfigurationDescriptor(bytes: Uint8Array): ConfigurationDescriptor {
    if (bytes.length < 9 || bytes[1] !== DescriptorType.configuration) throw new Error(`Not a configuration descriptor (${bytes.length} bytes).`);
    const total = Math.min(bytes.length, (bytes[2] ?? 0) | ((bytes[3] ?? 0) << 8));
    const interfaces: Array<{ base: Omit<InterfaceDescriptor, 'extra' | 'endpoints'>; extra: Uint8Array[]; endpoints: EndpointDescriptor[] }> = [];
    let offset = bytes[0] ?? 9;
    while (offset + 2 <= total) {
        const length = bytes[offset] ?? 0;
        if (length < 2 || offset + length > total) break;
        const type = bytes[offset + 1];
        const d = bytes.subarray(offset, offset + length);
        if (type === DescriptorType.interface && length >= 9) {
            interfaces.push({
                base: {
                    interfaceNumber: d[2] ?? 0,
                    alternateSetting: d[3] ?? 0,
                    interfaceClass: d[5] ?? 0,
                    interfaceSubclass: d[6] ?? 0,
                    interfaceProtocol: d[7] ?? 0,
                    nameIndex: d[8] ?? 0,
                },
                extra: [],
                endpoints: [],
            });
        } else if (type === DescriptorType.endpoint && length >= 7) {
            interfaces.at(-1)?.endpoints.push({
                address: d[2] ?? 0,
                attributes: d[3] ?? 0,
                maxPacketSize: ((d[4] ?? 0) | ((d[5] ?? 0) << 8)) & 0x7ff,
                interval: d[6] ?? 0,
            });
        } else {
            interfaces.at(-1)?.extra.push(d.slice());
        }
        offset += length;
    }
    return {
        configurationValue: bytes[5] ?? 0,
        nameIndex: bytes[6] ?? 0,
        attributes: bytes[7] ?? 0,
        maxPower: bytes[8] ?? 0,
        interfaces: interfaces.map((i) => ({ ...i.base, extra: i.extra, endpoints: i.endpoints })),
    };
}

/** String descriptor 0: the supported language ids (US English only, like nearly every phone). */
export function encodeLangIds(langIds: readonly number[] = [0x0409]): Uint8Array {
    const out = new Uint8Array(2 + langIds.length * 2);
    out[0] = out.length;
    out[1] = DescriptorType.string;
    langIds.forEach((id, i) => {
        out[2 + i * 2] = id & 0xff;
        out[3 + i * 2] = id >> 8;
    });
    return out;
}

export function encodeStringDescriptor(text: string): Uint8Array {
    const units = [...text].map((c) => c.charCodeAt(0)).slice(0, 126);
    const out = new Uint8Array(2 + units.length * 2);
    out[0] = out.length;
    out[1] = DescriptorType.string;
    units.forEach((u, i) => {
        out[2 + i * 2] = u & 0xff;
        out[3 + i * 2] = u >> 8;
    });
    return out;
}

export function parseStringDescriptor(bytes: Uint8Array): string {
    const length = Math.min(bytes[0] ?? 0, bytes.length);
    let text = '';
    for (let i = 2; i + 1 < length; i += 2) text += String.fromCharCode((bytes[i] ?? 0) | ((bytes[i + 1] ?? 0) << 8));
    return text;
}

/** The 8-byte SETUP packet of a control transfer. */
export interface SetupPacket {
    readonly requestType: number;
    readonly request: number;
    readonly value: number;
    readonly index: number;
    readonly length: number;
}

export function encodeSetup(s: SetupPacket): Uint8Array {
    const out = new Uint8Array(8);
    const view = new DataView(out.buffer);
    out[0] = s.requestType;
    out[1] = s.request;
    view.setUint16(2, s.value, true);
    view.setUint16(4, s.index, true);
    view.setUint16(6, s.length, true);
    return out;
}

export function parseSetup(bytes: Uint8Array): SetupPacket {
    const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
    return { requestType: bytes[0] ?? 0, request: bytes[1] ?? 0, value: view.getUint16(2, true), index: view.getUint16(4, true), length: view.getUint16(6, true) };
}

const requestTypeBits = { standard: 0, class: 1, vendor: 2 } as const;
const recipientBits = { device: 0, interface: 1, endpoint: 2, other: 3 } as const;

/** A WebUSB control setup plus direction/length as the 8 wire bytes' fields. */
export function setupFromWebUsb(setup: USBControlTransferParameters, direction: 'in' | 'out', length: number): SetupPacket {
    return {
        requestType: (direction === 'in' ? 0x80 : 0) | (requestTypeBits[setup.requestType] << 5) | recipientBits[setup.recipient],
        request: setup.request,
        value: setup.value,
        index: setup.index,
        length,
    };
}

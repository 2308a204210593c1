/**
 * The descriptors a real phone shows in each mode. Samsung download mode is a CDC-ACM pair as on a
 * Galaxy (`lsusb -v -d 04e8:685d`: device class 2, a comm interface with an interrupt IN endpoint and
 * CDC functional descriptors, a data interface with bulk IN 0x81 / OUT 0x02, 512-byte packets, no
 * serial string). Fastboot and adb are one vendor interface 0xFF/0x42/0x03|0x01 with two bulk endpoints.
 */
import type { PhoneMode, Recipe } from '../manifests/schema.js';
import { ReviveError } from '../jobs/errors.js';
import {
    encodeConfigurationDescriptor,
    encodeDeviceDescriptor,
    type ConfigurationDescriptor,
    type DeviceDescriptor,
} from '../usb/descriptors.js';

export const HIGH_SPEED_BULK_PACKET = 512;

export interface FaceDescriptors {
    readonly device: DeviceDescriptor;
    readonly configuration: ConfigurationDescriptor;
    readonly deviceBytes: Uint8Array;
    readonly configurationBytes: Uint8Array;
    /** String descriptors by index (1 = manufacturer, 2 = product, 3 = serial, …). */
    readonly strings: ReadonlyMap<number, string>;
    /** The bulk endpoint pair the mode's protocol is served on. */
    readonly bulkIn: number;
    readonly bulkOut: number;
    /** Interrupt IN endpoints that never carry data (CDC notifications). */
    readonly interruptIn: readonly number[];
}

export function faceDescriptors(recipe: Recipe, mode: PhoneMode, serial: string): FaceDescriptors {
    const identity = recipe.usb[mode];
    if (!identity) {
        throw ReviveError.of('virtual-mode-unsupported', { phone: recipe.name, mode, modes: Object.keys(recipe.usb).join(', ') });
    }
    const strings = new Map<number, string>([
        [1, identity.manufacturer],
        [2, identity.product],
    ]);
    const [cls, sub, proto] = identity.interface;
    const samsungDownload = mode === 'download' && cls === 0x0a;
    let device: DeviceDescriptor;
    let configuration: ConfigurationDescriptor;
    if (samsungDownload) {
        device = {
            bcdUSB: 0x0200, deviceClass: 0x02, deviceSubclass: 0, deviceProtocol: 0, maxPacketSize0: 64,
            vendorId: identity.vendorId, productId: identity.productId, bcdDevice: 0x0100,
            manufacturerIndex: 1, productIndex: 2, serialIndex: 0, numConfigurations: 1,
        };
        configuration = {
            configurationValue: 1, nameIndex: 0, attributes: 0xc0, maxPower: 0x32,
            interfaces: [
                {
                    interfaceNumber: 0, alternateSetting: 0, interfaceClass: 0x02, interfaceSubclass: 0x02, interfaceProtocol: 0x01, nameIndex: 0,
                    extra: [
                        Uint8Array.of(5, 0x24, 0x00, 0x10, 0x01), // CDC Header, bcdCDC 1.10
                        Uint8Array.of(5, 0x24, 0x01, 0x00, 0x01), // Call Management: data interface 1
                        Uint8Array.of(4, 0x24, 0x02, 0x0f), // ACM: line coding, serial state, break, comm features
                        Uint8Array.of(5, 0x24, 0x06, 0x00, 0x01), // Union: master 0, slave 1
                    ],
                    endpoints: [{ address: 0x83, attributes: 0x03, maxPacketSize: 16, interval: 9 }],
                },
                {
                    interfaceNumber: 1, alternateSetting: 0, interfaceClass: 0x0a, interfaceSubclass: 0, interfaceProtocol: 0, nameIndex: 0,
                    extra: [],
                    endpoints: [
                        { address: 0x81, attributes: 0x02, maxPacketSize: HIGH_SPEED_BULK_PACKET, interval: 0 },
                        { address: 0x02, attributes: 0x02, maxPacketSize: HIGH_SPEED_BULK_PACKET, interval: 0 },
                    ],
                },
            ],
        };
    } else {
        strings.set(3, serial);
        const name = proto === 0x03 ? 'fastboot' : 'ADB Interface';
        strings.set(4, name);
        device = {
            bcdUSB: 0x0200, deviceClass: 0, deviceSubclass: 0, deviceProtocol: 0, maxPacketSize0: 64,
            vendorId: identity.vendorId, productId: identity.productId, bcdDevice: mode === 'bootloader' ? 0x0100 : 0x0310,
            manufacturerIndex: 1, productIndex: 2, serialIndex: 3, numConfigurations: 1,
        };
        configuration = {
            configurationValue: 1, nameIndex: 0, attributes: 0x80, maxPower: 0xfa,
            interfaces: [
                {
                    interfaceNumber: 0, alternateSetting: 0, interfaceClass: cls, interfaceSubclass: sub, interfaceProtocol: proto, nameIndex: 4,
                    extra: [],
                    endpoints: [
                        { address: 0x81, attributes: 0x02, maxPacketSize: HIGH_SPEED_BULK_PACKET, interval: 0 },
                        { address: 0x01, attributes: 0x02, maxPacketSize: HIGH_SPEED_BULK_PACKET, interval: 0 },
                    ],
                },
            ],
        };
    }
    return {
        device,
        configuration,
        deviceBytes: encodeDeviceDescriptor(device),
        configurationBytes: encodeConfigurationDescriptor(configuration),
        strings,
        bulkIn: 0x81,
        bulkOut: samsungDownload ? 0x02 : 0x01,
        interruptIn: samsungDownload ? [0x83] : [],
    };
}

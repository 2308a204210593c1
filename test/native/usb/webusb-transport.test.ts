import { describe } from 'vitest';
import { transportSuite } from './transport-suite.js';

describe('WebUsbTransport over the in-process virtual USBDevice', () => {
    transportSuite(() => ({
        async device(phone) {
            return phone.waitForDevice({ timeoutMs: 2000 });
        },
    }));
});

/** The German page calls one thing by one name: the upgrade is „die Erneuerung“ (erneuern), never „Upgrade“. */
import { describe, expect, it } from 'vitest';
import de from '../../renderer/locales/de/translation.json' with { type: 'json' };

type Json = { [key: string]: string | Json };

function texts(node: string | Json, path = ''): Array<[string, string]> {
    return typeof node === 'string' ? [[path, node]] : Object.entries(node).flatMap(([key, child]) => texts(child, path ? `${path}.${key}` : key));
}

describe('German words', () => {
    it('name the upgrade „Erneuerung“ everywhere, as the phone list does', () => {
        expect(de.devices.upgrade).toBe('Dieses Handy erneuern');
        const mixed = texts(de as unknown as Json).filter(([, text]) => /\bUpgrades?\b/.test(text));
        expect(mixed).toEqual([]);
    });
});

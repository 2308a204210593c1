import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePit, pitDifferences, pitProjectName } from '../../../native/pit/index.js';
import { resourcePath } from '../../../native/resources.js';

const pit = (name: string) => parsePit(new Uint8Array(readFileSync(resourcePath('pit', `${name}.pit`))), name);

describe('telling Samsung models apart by their PIT', () => {
    it('reads the chip name from the header', () => {
        expect(pitProjectName(pit('ks01ltexx'))).toBe('MSM8974');
    });

    it('finds no difference between a phone and its own model', () => {
        expect(pitDifferences(pit('ks01ltexx'), pit('ks01ltexx'), 'RECOVERY')).toEqual([]);
    });

    it('names the chip and the recovery partition when the phone is another model', () => {
        const differences = pitDifferences(pit('serranoveltexx'), pit('ks01ltexx'), 'RECOVERY');
        expect(differences).toContainEqual({ variant: 'chip', found: 'MSM8916', expected: 'MSM8974' });
        expect(pitDifferences(pit('gtaxllte'), pit('ks01ltexx'), 'NOSUCH')).toContainEqual({ variant: 'no-partition', partition: 'NOSUCH' });
    });
});

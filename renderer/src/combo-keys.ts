/**
 * The numbered arrows in each key-combo picture (renderer/assets/combos), in the numbers' order:
 * which button each arrow points at, and whether it is pressed once afterwards (the dashed arrow)
 * rather than held with the others. The page names them under the picture in its language.
 */
export interface ComboKey {
    readonly n: number;
    readonly button: string;
    /** Pressed once after letting go of the others (dashed arrow). */
    readonly once?: true;
    /** Pressed after the one before it, not held together with it (a menu: choose, then confirm). */
    readonly then?: true;
}

export const COMBO_KEYS: Readonly<Record<string, readonly ComboKey[]>> = {
    'samsung-download.svg': [{ n: 1, button: 'volume-down' }, { n: 2, button: 'power' }, { n: 3, button: 'home' }, { n: 4, button: 'volume-up', once: true }],
    'tablet-download.svg': [{ n: 1, button: 'power' }, { n: 2, button: 'volume-down' }, { n: 3, button: 'home' }, { n: 4, button: 'volume-up', once: true }],
    'samsung-recovery.svg': [{ n: 1, button: 'volume-up' }, { n: 2, button: 'power' }, { n: 3, button: 'home' }],
    'tablet-recovery.svg': [{ n: 1, button: 'power' }, { n: 2, button: 'volume-up' }, { n: 3, button: 'home' }],
    'pixel-bootloader.svg': [{ n: 1, button: 'power' }, { n: 2, button: 'volume-down' }],
    'nexus-bootloader.svg': [{ n: 1, button: 'power' }, { n: 2, button: 'volume-down' }],
    'pixel-recovery.svg': [{ n: 1, button: 'volume-down' }, { n: 2, button: 'power', then: true }],
    'nexus-recovery.svg': [{ n: 1, button: 'volume-down' }, { n: 2, button: 'power', then: true }],
};

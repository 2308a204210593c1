/** Every command group of `revive`. A group module owns its commands; this list only gathers them. */
import type { CliCommand } from './command.js';

import { commands as devices } from './devices.js';
import { commands as virtualPhone } from './virtual-phone.js';
import { commands as pit } from './pit.js';
import { commands as odin } from './odin.js';
import { commands as fastboot } from './fastboot.js';
import { commands as adb } from './adb.js';
import { commands as twrp } from './twrp.js';
import { commands as upgrade } from './upgrade.js';
import { commands as fetch } from './fetch.js';
import { commands as demo } from './demo.js';
import { commands as keys } from './keys.js';
import { commands as vpn } from './vpn.js';
import { commands as firewall } from './firewall.js';
import { commands as apps } from './apps.js';
import { commands as shop } from './shop.js';

export const commandGroups: ReadonlyArray<readonly CliCommand[]> = [
    devices,
    virtualPhone,
    pit,
    odin,
    fastboot,
    adb,
    twrp,
    upgrade,
    fetch,
    demo,
    keys,
    vpn,
    firewall,
    apps,
    shop,
];

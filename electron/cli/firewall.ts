/** `revive firewall …` commands. */
import type { CliCommand } from './command.js';

export const commands: readonly CliCommand[] = [];

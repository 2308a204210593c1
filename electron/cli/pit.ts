/** `revive pit …` commands. */
import { readFile } from 'node:fs/promises';
import { ReviveError } from '../../native/jobs/errors.js';
import { formatPit, parsePit } from '../../native/pit/index.js';
import { CliUsageError, type CliCommand } from './command.js';

const print: CliCommand = {
    name: 'pit print',
    summary: 'Print a PIT (Samsung partition table) file, exactly as `heimdall print-pit --file` does',
    usage: 'revive pit print FILE',
    async run(args, io) {
        if (args.length !== 1 || args[0]!.startsWith('-')) throw new CliUsageError('Give exactly one PIT file.');
        const file = args[0]!;
        let bytes: Uint8Array;
        try {
            bytes = new Uint8Array(await readFile(file));
        } catch (error) {
            throw new ReviveError({ code: 'pit-unreadable', message: `Cannot read ${file}: ${(error as Error).message}.`, nextStep: 'Check the file name.' }, { cause: error });
        }
        io.out(formatPit(parsePit(bytes, file)));
        return 0;
    },
};

export const commands: readonly CliCommand[] = [print];

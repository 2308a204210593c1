/** `revive pit …` commands. */
import { readLimitedFile } from '../../native/files/read-limited.js';
import { formatPit, parsePit, PIT_MAX_FILE_SIZE } from '../../native/pit/index.js';
import { CliUsageError, type CliCommand } from './command.js';

const print: CliCommand = {
    name: 'pit print',
    usage: 'revive pit print FILE',
    async run(args, io) {
        if (args.length !== 1 || args[0]!.startsWith('-')) throw new CliUsageError('Give exactly one PIT file.');
        const file = args[0]!;
        const bytes = await readLimitedFile(file, { what: 'pit', maxBytes: PIT_MAX_FILE_SIZE });
        io.out(formatPit(parsePit(bytes, file)));
        return 0;
    },
};

export const commands: readonly CliCommand[] = [print];

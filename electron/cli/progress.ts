/** Progress of a device command on the terminal: a live percentage on a TTY, quarter steps in a pipe. */
import type { JobContext, ProgressFacts } from '../../native/jobs/progress.js';
import type { CliIo } from './command.js';

export function progressPrinter(io: CliIo): (facts: ProgressFacts) => void {
    let lastPercent = -1;
    return (facts) => {
        const percent = facts.bytesTotal > 0 ? Math.floor((facts.bytesDone * 100) / facts.bytesTotal) : 0;
        if (percent === lastPercent) return;
        lastPercent = percent;
        if (io.interactive) io.err(`\r${facts.step}: ${percent}%${percent === 100 ? '\n' : ''}`);
        else if (percent % 25 === 0) io.err(`${facts.step}: ${percent}%\n`);
    };
}

/** Ctrl-C, log lines and progress of a CLI command, in the form the device layer takes. */
export function jobContext(io: CliIo): JobContext {
    return { signal: io.signal, onLog: (line) => io.err(`${line}\n`), onProgress: progressPrinter(io) };
}

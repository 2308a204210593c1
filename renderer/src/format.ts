/** Numbers in plain words: sizes, rates and time left, in the current language's number format. */
export function formatBytes(bytes: number, language: string): string {
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
        value /= 1000;
        unit++;
    }
    const digits = unit === 0 || value >= 100 ? 0 : 1;
    return `${value.toLocaleString(language, { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${units[unit]}`;
}

export function formatDuration(seconds: number): { minutes: number; seconds: number } {
    const whole = Math.max(0, Math.round(seconds));
    return { minutes: Math.floor(whole / 60), seconds: whole % 60 };
}

export function percent(done: number, total: number): number {
    if (total <= 0) return done > 0 ? 100 : 0;
    return Math.min(100, Math.floor((done / total) * 100));
}

/** axe-core on the page as it is: the serious and critical findings, each with where it is. One scan for every e2e screen. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './harness.js';

const AXE_SOURCE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface AxeFinding {
    readonly id: string;
    readonly impact: string | null;
    readonly targets: string[];
}

export async function seriousAxeFindings(page: Page): Promise<AxeFinding[]> {
    // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern (a script tag would be refused).
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
    const violations = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
        return (await axe.run(document)).violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => String(n.target)) }));
    });
    return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Vitest global setup: compile the Node programs (dist/node) once before any test spawns
 * bin/revive.js, so parallel test files never rebuild it at the same time.
 */
import { buildNode } from '../../scripts/build-node.js';

export async function setup(): Promise<void> {
    await buildNode();
}

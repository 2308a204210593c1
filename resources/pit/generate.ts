/**
 * Regenerate resources/pit/<codename>.pit from <codename>.pit.json: `npx tsx resources/pit/generate.ts`.
 * test/native/pit/resources.test.ts checks the committed PITs still match their descriptions.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { buildPit, type PitDescription } from '../../native/pit/build.js';
import { serializePit } from '../../native/pit/pit.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
for (const name of readdirSync(dir).filter((file) => file.endsWith('.pit.json')).sort()) {
    const description = JSON.parse(readFileSync(join(dir, name), 'utf8')) as PitDescription;
    const target = join(dir, name.replace(/\.json$/, ''));
    writeFileSync(target, serializePit(buildPit(description)));
    console.log(`wrote ${target} (${description.entries.length} partitions)`);
}

#!/usr/bin/env node
// `npm run bench [filter…]`: every benchmark in bench/, each in its own process, with ratios against the reference tools.
import { register } from 'tsx/esm/api';

register();
await import('../bench/run.ts');

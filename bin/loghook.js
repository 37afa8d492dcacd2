#!/usr/bin/env node
// Before anything else is loaded: start-up must not grow V8's young generation (src/util/heap.ts).
import { holdYoungGeneration } from '../dist/src/util/heap.js';
holdYoungGeneration();
await import('../dist/src/cli/main.js');

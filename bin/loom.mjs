#!/usr/bin/env node
// Entry for `npx loom`: loads the TypeScript CLI through tsx, so no build step is needed.
import { register } from 'tsx/esm/api';
register();
await import('../apps/cli/main.ts');

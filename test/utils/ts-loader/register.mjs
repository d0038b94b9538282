// `node --import ./test/utils/ts-loader/register.mjs app.ts` runs TypeScript in a child process,
// so tests can start real app instances without a build step.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);

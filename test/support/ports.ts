// The scripts' port helpers (scripts/lib/ports.cjs), typed for the tests.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const { freePort } = require('../../scripts/lib/ports.cjs') as { freePort(): Promise<number> };

import { defineConfig } from 'vitest/config';

/** End-to-end tests (e2e/*.e2e.ts): a real browser against the running system; slow, one at a time. */
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    sequence: { concurrent: false },
    reporters: ['verbose'],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['controller/test/**/*.test.ts'],
    globalSetup: ['controller/test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});

import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

/** Where the Mythos front door listens; the dev server forwards /auth and /api there. */
const API_ORIGIN = process.env['MYTHOS_API_ORIGIN'] ?? 'http://127.0.0.1:54731';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
  },
  server: {
    proxy: {
      '/auth': { target: API_ORIGIN },
      '/api': { target: API_ORIGIN, ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'node',
    restoreMocks: true,
    css: { include: [/index\.css/] },
  },
});

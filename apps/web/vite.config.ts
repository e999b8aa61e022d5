import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** Where `pnpm dev` sends API calls: the api started by `pnpm start` (or `node apps/api/dist/main.js`). */
const api = process.env.WEFT_API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      '/trpc': { target: api },
      '/webhook': { target: api },
      '/resume': { target: api },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Routes are split with React.lazy; this only keeps the warning honest about the editor chunk.
    chunkSizeWarningLimit: 600,
  },
});

import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The gateway the dev server forwards API calls to.
const gateway = process.env.PARTNERGRAPH_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: '/portal/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // The gateway's CSP forbids inline scripts: keep every asset a file of its own.
    assetsInlineLimit: 0,
    // The entry chunk is React, urql and the Mantine components of the shell (about 150 kB
    // gzipped); every page is a chunk of its own.
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/graphql': gateway,
      '/auth': gateway,
    },
  },
});

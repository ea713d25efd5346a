import { defineConfig } from 'vite';

// Builds one page, one script and one stylesheet with fixed names into dist/: the orchestrator embeds
// exactly these files (src/GrpcWorkflows.Orchestrator/GrpcWorkflows.Orchestrator.csproj) and serves them at /ui/.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: '',
    target: 'es2022',
    rollupOptions: {
      output: {
        entryFileNames: 'app.js',
        chunkFileNames: 'app-[name].js',
        assetFileNames: 'app[extname]',
      },
    },
  },
});

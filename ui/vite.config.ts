/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

/**
 * Dev server only: @vitejs/plugin-react injects its React Refresh preamble as an
 * INLINE <script> into index.html, which `script-src 'self'` blocks. We drop that
 * inline script and load the same code as a module instead: src/main.tsx imports
 * "@vitejs/plugin-react/preamble" first (an empty module in production builds).
 */
function externalReactRefreshPreamble(): Plugin {
  return {
    name: "latchkey:external-react-refresh-preamble",
    apply: "serve",
    transformIndexHtml: {
      order: "post",
      handler(html) {
        return html.replace(
          /<script type="module">\s*import \{ injectIntoGlobalHook \}[\s\S]*?<\/script>\s*/,
          "",
        );
      },
    },
  };
}

// Tauri v2 webview UI.
// - Dev: `npm run dev` serves http://localhost:1420 (tauri.conf.json `build.devUrl`).
// - Build: `npm run build` writes ui/dist (tauri.conf.json `build.frontendDist` = "../ui/dist"
//   relative to src-tauri, adjust to where tauri.conf.json lives).
export default defineConfig({
  base: "./",
  plugins: [react(), externalReactRefreshPreamble()],
  // Keep Rust errors visible in the terminal that runs `tauri dev`.
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    watch: {
      ignored: ["**/src-tauri/**"],
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Never turn assets into data: URIs, so the CSP needs no `data:` sources.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
  },
});

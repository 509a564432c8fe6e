import { createReadStream, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import license, { type Dependency } from "rollup-plugin-license";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

// Dev preview only (VITE_PREVIEW=1): serves sample videos from PREVIEW_MEDIA_DIR at
// /preview-media/, so scripted jobs have something to play. Not part of any build.
function previewMedia(): Plugin {
  return {
    name: "framecast-preview-media",
    apply: "serve",
    configureServer(server) {
      const dir = process.env.PREVIEW_MEDIA_DIR;
      if (!dir) return;
      server.middlewares.use("/preview-media", (req, res, next) => {
        const name = (req.url ?? "").split("?")[0].replace(/^\//, "");
        const file = join(dir, name);
        if (!/^[\w-]+\.(webm|mp4)$/.test(name) || !existsSync(file)) return next();
        // WebKit's media loader needs byte ranges.
        const size = statSync(file).size;
        const range = /bytes=(\d*)-(\d*)/.exec(req.headers.range ?? "");
        const start = range?.[1] ? Number(range[1]) : 0;
        const end = range?.[2] ? Number(range[2]) : size - 1;
        res.statusCode = range ? 206 : 200;
        res.setHeader("Content-Type", name.endsWith(".webm") ? "video/webm" : "video/mp4");
        res.setHeader("Accept-Ranges", "bytes");
        res.setHeader("Content-Length", String(end - start + 1));
        if (range) res.setHeader("Content-Range", `bytes ${start}-${end}/${size}`);
        createReadStream(file, { start, end }).pipe(res);
      });
    },
  };
}

// The licences of the JavaScript packages that end up in the bundle (Svelte's runtime, Tauri's
// API…), taken from the modules the build really includes, for the About panel. Each build
// rewrites the committed file; `scripts/test` fails if that changed it.
function uiLicences(dependencies: Dependency[]): string {
  const entries = [...dependencies]
    .sort((a, b) => `${a.name}@${a.version}`.localeCompare(`${b.name}@${b.version}`))
    .map((d) => {
      const head = `## ${d.name} ${d.version} (${d.license ?? "no licence stated"})`;
      const text = (d.licenseText ?? "(the package ships no licence text)").trim();
      const notice = d.noticeText ? `\n\n${d.noticeText.trim()}` : "";
      return `${head}\n\n${text}${notice}\n`;
    });
  return [
    "# Third-party licences: the UI's JavaScript packages",
    "",
    "The JavaScript packages bundled into Framecast's window, with their licences. Written by",
    "the UI's build (rollup-plugin-license in ui/vite.config.ts) from the modules the bundle",
    "really contains; do not edit by hand.",
    "",
    ...entries,
  ].join("\n");
}

// Tauri serves the built files; `tauri dev` uses this dev server on a fixed port.
export default defineConfig({
  plugins: [
    svelte(),
    previewMedia(),
    license({
      thirdParty: {
        multipleVersions: true,
        output: {
          file: join(import.meta.dirname, "../docs/third-party-licenses-ui.md"),
          template: uiLicences,
        },
      },
    }),
  ],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    // The About panel embeds the licence lists from the repository's docs/.
    fs: { allow: [import.meta.dirname, join(import.meta.dirname, "../docs")] },
  },
  build: {
    target: "safari15",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/test-setup.ts"],
  },
});

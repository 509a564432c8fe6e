// Builds framecast-cli in release mode and puts it where Tauri's bundler takes external binaries
// from (`bundle.externalBin` in packaging/bundle.conf.json): binaries/framecast-cli-<target
// triple>[.exe]. The bundle then installs it beside the app, as `framecast-cli` (/usr/bin on
// Linux). Node, not a shell script, so the release workflow runs it on Windows and macOS too.
//
// Tauri's build runs this before compiling the app (the bundle config's beforeBuildCommand) and
// says which target it builds for in TAURI_ENV_TARGET_TRIPLE; run by hand it builds for the host.

import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, encoding: "utf8" });

const host = /^host: (.+)$/m.exec(run("rustc", ["-vV"]))?.[1];
const triple = process.env.TAURI_ENV_TARGET_TRIPLE || host;
if (!triple) throw new Error("cannot tell the target triple (rustc -vV says no host)");
const cross = triple !== host;

// A debug package (FRAMECAST_PACKAGE_PROFILE=debug, the test command's) carries a debug CLI.
const profile = process.env.FRAMECAST_PACKAGE_PROFILE === "debug" ? "debug" : "release";
const args = [
  "build",
  ...(profile === "release" ? ["--release"] : []),
  "-p",
  "framecast-cli",
  ...(cross ? ["--target", triple] : []),
];
execFileSync("cargo", args, { cwd: root, stdio: "inherit" });

const { target_directory: targetDir } = JSON.parse(
  run("cargo", ["metadata", "--format-version", "1", "--no-deps"]),
);
const exe = triple.includes("windows") ? ".exe" : "";
const built = join(targetDir, ...(cross ? [triple] : []), profile, `framecast-cli${exe}`);
const dest = join(root, "binaries", `framecast-cli-${triple}${exe}`);
mkdirSync(dirname(dest), { recursive: true });
copyFileSync(built, dest);
console.log(`framecast-cli for ${triple}: ${dest}`);

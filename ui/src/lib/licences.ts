// The third-party licences of this build, for the About panel: the Rust crates compiled into
// the app (docs/third-party-licenses.md, from cargo-about) and the JavaScript packages in the
// UI's bundle (docs/third-party-licenses-ui.md, written by the UI's build). Both are embedded,
// in a chunk of their own that loads only when someone asks to read them.

export async function thirdPartyLicences(): Promise<string> {
  const [rust, ui] = await Promise.all([
    import("../../../docs/third-party-licenses.md?raw"),
    import("../../../docs/third-party-licenses-ui.md?raw"),
  ]);
  return `${rust.default.trim()}\n\n\n${ui.default.trim()}\n`;
}

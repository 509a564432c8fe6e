//! Tauri's build step, and on Windows the application manifest in every executable.
//!
//! tauri-build links its manifest (Common Controls 6) into the app's binary only, but the
//! dialog plugin makes every executable of this package import `TaskDialogIndirect`, which only
//! Common Controls 6 has: the library's test binary and the integration tests then die before
//! running a test (0xC0000139, STATUS_ENTRYPOINT_NOT_FOUND; tauri#13419). So with the MSVC
//! linker the same manifest is embedded by the linker itself, in the binary and in every test,
//! and tauri-build is told to leave it out of its resource (two manifests would collide).

fn main() {
    let mut attributes = tauri_build::Attributes::new();
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows")
        && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("msvc")
    {
        attributes = attributes
            .windows_attributes(tauri_build::WindowsAttributes::new_without_app_manifest());
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src-tauri")
            .join("windows-app-manifest.xml");
        println!("cargo:rerun-if-changed={}", manifest.display());
        println!("cargo:rustc-link-arg=/MANIFEST:EMBED");
        println!("cargo:rustc-link-arg=/MANIFESTINPUT:{}", manifest.display());
    }
    if let Err(error) = tauri_build::try_build(attributes) {
        // As tauri_build::build() reports it.
        println!("{error:#}");
        std::process::exit(1);
    }
}

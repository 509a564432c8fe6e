//! The app as a package installs it: the `.deb` that scripts/package makes, unpacked into a
//! temporary directory (never installed into the machine), started from a directory far from the
//! source tree. `framecast START END` opens with both frames in their slots; a second
//! `framecast IMAGE` while it runs hands its image to the running window and exits, leaving one
//! window. The single-instance hand-over goes over a private D-Bus session bus of the test's own.
//! Then the About panel shows the version and the embedded licences (and is shot for the docs).
//!
//! scripts/test-package runs it after unpacking the `.deb`:
//! `FRAMECAST_PACKAGE_ROOT=<unpacked> cargo test --test package -- --ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use fantoccini::Client;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Process, frame, free_port, session, until, xvfb};

/// A private session bus: the app finds its running instance there and nowhere else.
fn session_bus() -> (Process, String) {
    let mut child = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon is not installed (scripts/setup installs dbus)");
    let mut address = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut address)
        .unwrap();
    assert!(!address.trim().is_empty(), "dbus-daemon gave no address");
    (Process(child), address.trim().to_owned())
}

/// The environment both launches share: display, bus, and a home of their own for every file.
fn environment(display: &str, bus: &str, home: &Path) -> Vec<(&'static str, String)> {
    let at = |p: &str| home.join(p).display().to_string();
    vec![
        ("DISPLAY", display.to_owned()),
        ("DBUS_SESSION_BUS_ADDRESS", bus.to_owned()),
        ("HOME", at("")),
        ("XDG_DATA_HOME", at("data")),
        ("XDG_CONFIG_HOME", at("config")),
        ("XDG_CACHE_HOME", at("cache")),
        ("FRAMECAST_DATA_DIR", at("library")),
        ("FRAMECAST_VIDEOS_DIR", at("videos")),
        ("GSETTINGS_BACKEND", "memory".to_owned()),
        ("NO_AT_BRIDGE", "1".to_owned()),
        ("LANG", "en_US.UTF-8".to_owned()),
    ]
}

/// A script's expression for what a slot shows: its text (with the size line) when it holds a
/// frame, else null.
fn slot(name: &str) -> String {
    format!(
        "(() => {{ const s = document.querySelector(\"[data-testid='slot-{name}']\");
         return s && s.querySelector(\"[data-testid='slot-thumb']\") ? s.innerText : null; }})()"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the unpacked .deb: scripts/test-package runs it"]
async fn the_packaged_app_opens_images_and_a_second_launch_hands_over_to_the_first() {
    let root = PathBuf::from(
        std::env::var("FRAMECAST_PACKAGE_ROOT")
            .expect("FRAMECAST_PACKAGE_ROOT: the directory the .deb was unpacked into"),
    );
    let app = root.join("usr/bin/framecast");
    assert!(app.is_file(), "{} is missing", app.display());
    let home = tempfile::tempdir().unwrap();
    let pictures = home.path().join("Pictures");
    std::fs::create_dir_all(&pictures).unwrap();
    frame(&pictures, "sea.png", 1600, 900, 40);
    frame(&pictures, "dusk.jpg", 1280, 720, 200);
    let tall = frame(&pictures, "tall.png", 900, 1600, 120);

    let (_xvfb, display) = xvfb();
    let (_bus, bus) = session_bus();
    let env = environment(&display, &bus, home.path());
    let port = free_port();
    let driver = Command::new("WebKitWebDriver")
        .arg(format!("--port={port}"))
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .env("TAURI_WEBVIEW_AUTOMATION", "true")
        // Started where a file manager would start it: relative names are the pictures'.
        .current_dir(&pictures)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("WebKitWebDriver is not installed (scripts/setup installs webkit2gtk-driver)");
    let _driver = Process(driver);

    // `framecast sea.png /…/dusk.jpg`: the start and the end frame.
    let dusk = pictures.join("dusk.jpg");
    let client = session(port, &app, &["sea.png", dusk.to_str().unwrap()]).await;
    let start = until(
        &client,
        "the start frame",
        60,
        &format!("return {}", slot("start")),
    )
    .await;
    let end = until(
        &client,
        "the end frame",
        60,
        &format!("return {}", slot("end")),
    )
    .await;
    assert!(start.as_str().unwrap().contains("1600×900"), "{start}");
    assert!(end.as_str().unwrap().contains("1280×720"), "{end}");

    // A second `framecast tall.png` hands the image over and exits; the first window takes it.
    let mut second = Command::new(&app)
        .arg(&tall)
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .current_dir(home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("the second framecast did not hand over and exit");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "the second framecast failed: {status}");
    let handed = until(
        &client,
        "the handed-over start frame",
        30,
        &format!(
            "const t = {}; return t && t.includes('900×1600') ? t : null;",
            slot("start")
        ),
    )
    .await;
    assert!(handed.as_str().unwrap().contains("900×1600"), "{handed}");
    let end = client
        .execute(&format!("return {}", slot("end")), vec![])
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(end.contains("1280×720"), "the end frame stays: {end}");
    assert_eq!(client.windows().await.unwrap().len(), 1, "one window");

    about_panel(&client).await;
    client.close().await.unwrap();
}

/// The About panel of the installed app: its version, and the licences it embeds. Shot in light
/// and dark, English and Chinese, for docs/screenshots.
async fn about_panel(client: &Client) {
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    let click = |id: &str| format!("document.querySelector(\"[data-testid='{id}']\").click()");
    let version = env!("CARGO_PKG_VERSION");
    client.execute(&click("about-open"), vec![]).await.unwrap();
    until(
        client,
        "the About panel",
        10,
        &format!(
            "const d = document.querySelector(\"[data-testid='about-dialog']\");
             return d && d.open && d.innerText.includes('Version {version}') && d.innerText.includes('MIT');"
        ),
    )
    .await;
    let shoot = async |name: &str| {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let png = client.screenshot().await.unwrap();
        std::fs::write(shots.join(name), png).unwrap();
    };
    shoot("about.png").await;
    client
        .execute(&click("about-show-licences"), vec![])
        .await
        .unwrap();
    let text = until(
        client,
        "the third-party licences",
        10,
        "const p = document.querySelector(\"[data-testid='about-licences']\"); return p && p.textContent;",
    )
    .await;
    let text = text.as_str().unwrap();
    for words in [
        "the Rust crates",
        "the UI's JavaScript packages",
        "## svelte ",
        "tauri 2.",
    ] {
        assert!(text.contains(words), "the embedded licences lack {words:?}");
    }
    shoot("about-licences.png").await;

    // Theme: System → Light → Dark. Language: the top bar's toggle, behind the modal panel.
    let dark = "return document.documentElement.dataset.theme === 'dark'";
    for _ in 0..3 {
        if client.execute(dark, vec![]).await.unwrap() == json!(true) {
            break;
        }
        client
            .execute(&click("theme-toggle"), vec![])
            .await
            .unwrap();
    }
    until(client, "the dark theme", 5, dark).await;
    shoot("about-licences-dark.png").await;
    client.execute(&click("lang-toggle"), vec![]).await.unwrap();
    until(
        client,
        "the Chinese panel",
        5,
        &format!("return document.querySelector(\"[data-testid='about-version']\").innerText.includes('版本 {version}')"),
    )
    .await;
    shoot("about-zh-dark.png").await;
    client
        .execute(&click("theme-toggle"), vec![])
        .await
        .unwrap();
    until(
        client,
        "the light theme again",
        5,
        "return document.documentElement.dataset.theme !== 'dark'",
    )
    .await;
    shoot("about-zh.png").await;
}

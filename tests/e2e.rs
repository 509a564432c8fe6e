//! End to end: the real Framecast binary in a real WebKitGTK window under Xvfb, driven through
//! WebDriver (Debian's WebKitWebDriver), talking to the mock gateway over loopback.
//!
//! It drops two frames through Tauri's drag-drop event, generates n = 2, watches the progress
//! move, plays both videos from local files, saves one through the (test-answered) save dialog,
//! cancels a slow job, cancels a job after a delivery (the paid video is still saved), reads the
//! 401 message in English and Chinese, then quits during a download and starts Framecast again:
//! the job is there, its download completes and the video plays. It also takes the screenshots
//! the README shows.
//!
//! Needs `Xvfb` and `WebKitWebDriver` (scripts/setup installs both); build with
//! `--features test-hooks`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use fantoccini::{Client, Locator, elements::Element};
use framecast_mock::{MockConfig, MockGateway};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{Process, frame, free_port, session, xvfb};

const KEY: &str = "sk-framecast-e2e";

/// What every test starts from: the mock gateway (with the test's key, at its own pace), a
/// temporary home holding the videos folder and the folder save dialogs answer with, and where
/// the screenshots for the docs go.
struct Scene {
    mock: MockGateway,
    temp: tempfile::TempDir,
    videos: PathBuf,
    saves: PathBuf,
    shots: PathBuf,
}

async fn scene(tick_ms: u64) -> Scene {
    let mock = MockGateway::start(MockConfig {
        api_key: Some(KEY.to_owned()),
        tick: Duration::from_millis(tick_ms),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let temp = tempfile::tempdir().unwrap();
    let (videos, saves) = (temp.path().join("videos"), temp.path().join("saves"));
    std::fs::create_dir_all(&saves).unwrap();
    Scene {
        mock,
        temp,
        videos,
        saves,
        shots: Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots"),
    }
}

struct App {
    client: Client,
    _driver: Process,
    _xvfb: Process,
}

/// Starts Framecast set up through the environment (`FRAMECAST_BASE_URL` and the key).
async fn launch(base_url: &str, videos: &Path, saves: &Path) -> App {
    launch_with(Some(base_url), videos, saves).await
}

/// Starts Framecast; without a base URL nothing is set up (a first start).
async fn launch_with(base_url: Option<&str>, videos: &Path, saves: &Path) -> App {
    launch_env(base_url, videos, saves, &[]).await
}

/// Starts Framecast with `env` added to its environment.
async fn launch_env(
    base_url: Option<&str>,
    videos: &Path,
    saves: &Path,
    env: &[(&str, &str)],
) -> App {
    let (xvfb, display) = xvfb();
    let port = free_port();
    let profile = videos.with_file_name("profile");
    std::fs::create_dir_all(&profile).unwrap();
    let mut driver = Command::new("WebKitWebDriver");
    driver
        .env_remove("FRAMECAST_BASE_URL")
        .env_remove("FRAMECAST_API_KEY");
    if let Some(base_url) = base_url {
        driver
            .env("FRAMECAST_BASE_URL", base_url)
            .env("FRAMECAST_API_KEY", KEY);
    }
    driver.envs(env.iter().copied());
    let driver = driver
        .arg(format!("--port={port}"))
        .env("DISPLAY", &display)
        .env("TAURI_WEBVIEW_AUTOMATION", "true")
        .env("GSETTINGS_BACKEND", "memory")
        .env("NO_AT_BRIDGE", "1")
        .env("FRAMECAST_KEYCHAIN", "off")
        .env("FRAMECAST_VIDEOS_DIR", videos)
        .env("FRAMECAST_DATA_DIR", videos.with_file_name("data"))
        .env("FRAMECAST_TEST_SAVE_DIR", saves)
        .env("LANG", "en_US.UTF-8")
        // A profile of its own: no settings (language, theme) left by an earlier run.
        .env("XDG_DATA_HOME", profile.join("data"))
        .env("XDG_CONFIG_HOME", profile.join("config"))
        .env("XDG_CACHE_HOME", profile.join("cache"))
        // No session bus: a Framecast the person runs must not receive this test's launches.
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("XDG_RUNTIME_DIR", &profile)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("WebKitWebDriver is not installed (scripts/setup installs webkit2gtk-driver)");
    let driver = Process(driver);
    let binary = Path::new(env!("CARGO_BIN_EXE_framecast"));
    App {
        client: session(port, binary, &[]).await,
        _driver: driver,
        _xvfb: xvfb,
    }
}

impl App {
    /// Waits for an element; errors while the page is still loading are retried.
    async fn find(&self, testid: &str) -> Element {
        let css = format!("[data-testid='{testid}']");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match self.client.find(Locator::Css(&css)).await {
                Ok(e) => return e,
                Err(e) if Instant::now() > deadline => panic!("no [data-testid={testid}]: {e}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    async fn js_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute_async(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Polls `script` until it returns something truthy.
    async fn until(&self, what: &str, secs: u64, script: &str) -> Value {
        support::until(&self.client, what, secs, script).await
    }

    /// A screenshot of the page. WebKit takes it at the next paint, and a page where nothing
    /// moves may not paint again: a 1-pixel spinner keeps frames coming while it is taken.
    async fn screenshot(&self, path: &Path) {
        self.js(
            "const d = document.createElement('div'); d.id = 'e2e-paint';
             d.className = 'spinner';
             d.style.cssText = 'position:fixed;right:0;bottom:0;width:1px;height:1px;border:0;opacity:0.01';
             document.body.appendChild(d);",
            vec![],
        )
        .await;
        let png = self.client.screenshot().await.unwrap();
        self.js("document.getElementById('e2e-paint')?.remove()", vec![])
            .await;
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Clicks Generate once it is ready (it rests a moment after each start).
    async fn generate(&self) {
        self.until(
            "Generate to be ready",
            10,
            "return !document.querySelector(\"[data-testid='generate']\").disabled",
        )
        .await;
        self.find("generate").await.click().await.unwrap();
    }

    async fn set_prompt(&self, text: &str) {
        let prompt = self.find("prompt").await;
        prompt.clear().await.unwrap();
        prompt.send_keys(text).await.unwrap();
    }

    /// The newest job card's id once it reaches one of `phases`.
    async fn newest_job_in(&self, phases: &[&str], secs: u64) -> String {
        let list = serde_json::to_string(phases).unwrap();
        let script = format!(
            "const c = document.querySelector(\"[data-testid='job-card']\");
             return c && {list}.includes(c.dataset.phase) ? c.dataset.jobId : null;"
        );
        self.until(&format!("the newest job to be {phases:?}"), secs, &script)
            .await
            .as_str()
            .unwrap()
            .to_owned()
    }
}

fn card(job: &str) -> String {
    format!("document.querySelector(\"[data-testid='job-card'][data-job-id='{job}']\")")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_drops_frames_generates_watches_plays_saves_and_cancels() {
    let Scene {
        mock,
        temp,
        videos: library,
        saves,
        shots,
    } = scene(250).await;
    let start = frame(temp.path(), "start.png", 1600, 900, 40);
    let end = frame(temp.path(), "end.jpg", 1600, 900, 200);

    let app = launch(&mock.base_url(), &library, &saves).await;
    app.find("prompt").await;

    // Drop two files at once through Tauri's drag-drop event: start, then end.
    drop_frames(&app, &[&start, &end], 2).await;
    let start_thumb = app.js(
        "return document.querySelector(\"[data-testid='slot-start'] [data-testid='slot-thumb']\") !== null",
        vec![],
    );
    assert_eq!(start_thumb.await, json!(true));
    let model = app
        .find("model-name")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(
        model.ends_with("-fl"),
        "frames-to-video is chosen with a start frame: {model}"
    );
    assert!(
        model.contains("landscape"),
        "16:9 frames suggest landscape: {model}"
    );

    // Generate n = 2 and watch the progress move.
    app.set_prompt("A paper boat drifts from the first frame to the last")
        .await;
    app.find("count-2").await.click().await.unwrap();
    app.generate().await;
    let job = app
        .newest_job_in(
            &["sending", "queued", "generating", "downloading", "done"],
            10,
        )
        .await;
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let p = app
            .js(&format!("const p = {c}?.querySelector(\"[data-testid='job-progress']\"); return p ? Number(p.dataset.percent || 0) : 0;", c = card(&job)), vec![])
            .await
            .as_f64()
            .unwrap_or(0.0);
        if seen.last() != Some(&p) {
            seen.push(p);
        }
        if p >= 90.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        seen.iter().filter(|&&p| p > 0.0).count() >= 3,
        "progress did not move: {seen:?}"
    );
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "progress went back: {seen:?}"
    );

    // Both videos arrive, download, and play from local files.
    app.until(
        "the job to be done",
        30,
        &format!("return {}?.dataset.phase === 'done'", card(&job)),
    )
    .await;
    app.until(
        "two local videos",
        15,
        &format!(
            "return {}.querySelectorAll(\"[data-testid='video'][data-local='true']\").length === 2",
            card(&job)
        ),
    )
    .await;
    let played = app
        .js_async(
            &format!(
                "const done = arguments[arguments.length - 1];
                 const videos = [...{}.querySelectorAll(\"[data-testid='video']\")];
                 Promise.all(videos.map(async v => {{
                     v.muted = true;
                     await v.play();
                     await new Promise(r => setTimeout(r, 700));
                     return {{ src: v.currentSrc, duration: v.duration, time: v.currentTime,
                               paused: v.paused, error: v.error && v.error.code }};
                 }})).then(done, e => done({{ failed: String(e) }}));",
                card(&job)
            ),
            vec![],
        )
        .await;
    let played = played
        .as_array()
        .unwrap_or_else(|| panic!("playback failed: {played}"));
    assert_eq!(played.len(), 2);
    for v in played {
        assert!(
            v["src"].as_str().unwrap().starts_with("http://127.0.0.1"),
            "{v}"
        );
        assert!(v["error"].is_null(), "media error: {v}");
        let duration = v["duration"].as_f64().unwrap();
        assert!(
            (3.5..4.5).contains(&duration),
            "duration of the 4 s sample: {v}"
        );
        assert!(v["time"].as_f64().unwrap() > 0.1, "it did not play: {v}");
    }
    let files: Vec<_> = std::fs::read_dir(&library)
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    assert_eq!(
        files
            .iter()
            .filter(|f| f.path().extension() == Some("mp4".as_ref()))
            .count(),
        2
    );
    app.screenshot(&shots.join("framecast.png")).await;

    // Save one through the save dialog (answered by the test hook), with its sidecar.
    app.js(
        &format!(
            "{}.querySelector(\"[data-testid='save-video']\").click()",
            card(&job)
        ),
        vec![],
    )
    .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let saved = loop {
        let sidecar = std::fs::read_dir(&saves)
            .unwrap()
            .filter_map(Result::ok)
            .map(|f| f.path())
            .find(|p| p.extension() == Some("json".as_ref()));
        if let Some(sidecar) = sidecar {
            break sidecar.with_extension("mp4");
        }
        assert!(Instant::now() < deadline, "the video was not saved");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let bytes = std::fs::read(&saved).unwrap();
    assert_eq!(&bytes[4..8], b"ftyp");
    assert_eq!(bytes, framecast_mock::SAMPLE_MP4);
    let note: Value =
        serde_json::from_slice(&std::fs::read(saved.with_extension("json")).unwrap()).unwrap();
    assert_eq!(
        note["file"],
        saved.file_name().unwrap().to_string_lossy().as_ref()
    );
    assert_eq!(
        note["prompt"],
        "A paper boat drifts from the first frame to the last"
    );
    assert_eq!(note["jobId"], job.as_str());

    // A slow job is cancelled at once.
    app.set_prompt("A very slow sunrise #slow").await;
    app.find("count-1").await.click().await.unwrap();
    let before = mock.generation_posts().len();
    app.generate().await;
    let slow = app.newest_job_in(&["queued", "generating"], 15).await;
    assert_ne!(slow, job);
    let cancelled_at = Instant::now();
    app.js(
        &format!(
            "{}.querySelector(\"[data-testid='job-cancel']\").click()",
            card(&slow)
        ),
        vec![],
    )
    .await;
    app.until(
        "the slow job to be cancelled",
        5,
        &format!("return {}?.dataset.phase === 'cancelled'", card(&slow)),
    )
    .await;
    assert!(cancelled_at.elapsed() < Duration::from_secs(3));
    assert_eq!(
        mock.generation_posts().len(),
        before + 1,
        "cancel must not re-send"
    );

    // A refused key reads as such, in both languages.
    app.set_prompt("A refused request #http-401").await;
    app.generate().await;
    let refused = app.newest_job_in(&["failed"], 15).await;
    let message = app
        .js(
            &format!(
                "return {}.querySelector(\"[data-testid='job-error']\").innerText",
                card(&refused)
            ),
            vec![],
        )
        .await;
    let message = message.as_str().unwrap();
    assert!(message.contains("refused the API key"), "{message}");
    assert!(
        message.contains("无效的令牌"),
        "the gateway's own words: {message}"
    );
    assert!(!message.contains(KEY));
    app.find("lang-toggle").await.click().await.unwrap();
    app.until("the Chinese message", 5, &format!(
        "return {}.querySelector(\"[data-testid='job-error']\").innerText.includes('网关拒绝了 API 密钥')",
        card(&refused)
    ))
    .await;
    app.screenshot(&shots.join("framecast-zh.png")).await;

    // The same screen in dark.
    theme(&app, "dark").await;
    app.screenshot(&shots.join("framecast-zh-dark.png")).await;
    language(&app, "en").await;
    app.screenshot(&shots.join("framecast-dark.png")).await;

    // Cancel after a delivery: the stream stops, and the paid video is still saved.
    app.set_prompt("One arrives, then silence #deliver-then-stall")
        .await;
    app.find("count-2").await.click().await.unwrap();
    app.generate().await;
    let stalled = app
        .newest_job_in(&["queued", "generating", "downloading"], 15)
        .await;
    app.until(
        "the first video to arrive",
        20,
        &format!(
            "return {}.querySelector(\"[data-testid='video']\") !== null",
            card(&stalled)
        ),
    )
    .await;
    app.js(
        &format!(
            "{}.querySelector(\"[data-testid='job-cancel']\").click()",
            card(&stalled)
        ),
        vec![],
    )
    .await;
    app.until(
        "the delivered video to be saved after the cancel",
        20,
        &format!(
            "const c = {}; return c.dataset.phase === 'cancelled' &&
               c.querySelector(\"[data-testid='video'][data-local='true']\") !== null",
            card(&stalled)
        ),
    )
    .await;

    // Quit while a video downloads, then start Framecast again: the job is there, its download
    // completes from where it stopped, and the video plays.
    app.set_prompt("A long download #download-crawl").await;
    app.find("count-1").await.click().await.unwrap();
    app.generate().await;
    let long = app
        .newest_job_in(&["queued", "generating", "downloading"], 15)
        .await;
    app.until(
        "the download to be under way",
        30,
        &format!("return {}.innerText.includes('Saving')", card(&long)),
    )
    .await;
    // Bytes on disk, so that the next start has something to continue.
    let parts = || -> Vec<u64> {
        std::fs::read_dir(&library)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|f| f.file_name().to_string_lossy().ends_with(".part"))
            .map(|f| f.metadata().map_or(0, |m| m.len()))
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while parts().iter().sum::<u64>() == 0 {
        assert!(Instant::now() < deadline, "no bytes reached the part file");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let posts = mock.generation_posts().len();
    assert_eq!(posts, before + 4, "one POST per job, never more");
    app.js("window.__TAURI_INTERNALS__.invoke('test_close')", vec![])
        .await;
    app.until(
        "the question before quitting",
        10,
        "const d = document.querySelector(\"[data-testid='quit-dialog']\"); return d && d.open && d.innerText.includes('next time');",
    )
    .await;
    // The app quits at once, so the script may never answer.
    let _ = app
        .client
        .execute(
            "setTimeout(() => document.querySelector(\"[data-testid='quit-now']\").click(), 0)",
            vec![],
        )
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    std::mem::drop(app);
    assert_eq!(
        parts().len(),
        1,
        "the unfinished download is kept for the next start"
    );

    let app = launch(&mock.base_url(), &library, &saves).await;
    app.until(
        "the job from before the quit, saved",
        40,
        &format!(
            "const c = {}; return c && c.querySelector(\"[data-testid='video'][data-local='true']\") !== null",
            card(&long)
        ),
    )
    .await;
    let played = app
        .js_async(
            &format!(
                "const done = arguments[arguments.length - 1];
                 const v = {}.querySelector(\"[data-testid='video']\");
                 v.muted = true;
                 v.play().then(() => setTimeout(() => done({{ time: v.currentTime, duration: v.duration,
                     error: v.error && v.error.code }}), 700), e => done({{ failed: String(e) }}));",
                card(&long)
            ),
            vec![],
        )
        .await;
    assert!(played["error"].is_null(), "media error: {played}");
    assert!(
        played["time"].as_f64().unwrap_or(0.0) > 0.1,
        "it did not play: {played}"
    );
    assert!(
        app.js(&format!("return {} !== null", card(&refused)), vec![])
            .await
            == json!(true),
        "earlier jobs are listed again"
    );
    app.client.close().await.unwrap();
    assert_eq!(
        mock.generation_posts().len(),
        posts,
        "starting again never re-sends a request"
    );
    let gets: Vec<_> = mock
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET")
        .map(|r| format!("{} {:?}", r.path, r.range))
        .collect();
    assert!(
        gets.iter().any(|g| g.contains("Some(")),
        "the download continued with a Range request: {gets:#?}"
    );
}

/// Plays the first video of the card `card` for a moment; returns what the element says.
async fn play_first(app: &App, card: &str) -> Value {
    app.js_async(
        &format!(
            "const done = arguments[arguments.length - 1];
             const v = {card}.querySelector(\"[data-testid='video']\");
             v.muted = true;
             v.play().then(() => setTimeout(() => done({{ time: v.currentTime, duration: v.duration,
                 error: v.error && v.error.code, src: v.currentSrc }}), 700), e => done({{ failed: String(e) }}));"
        ),
        vec![],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_start_offers_the_demo_and_a_key_that_is_tested_before_it_is_kept() {
    let Scene {
        mock,
        temp: _temp,
        videos,
        saves,
        shots,
    } = scene(100).await;
    let app = launch_with(None, &videos, &saves).await;

    // Nothing is set up: the welcome, and Generate says why it waits.
    app.find("welcome").await;
    app.screenshot(&shots.join("welcome.png")).await;
    assert!(
        app.js(
            "return document.querySelector(\"[data-testid='generate']\").disabled",
            vec![]
        )
        .await
            == json!(true)
    );

    // Try the demo: a test gateway inside the app, marked as such, and a video that plays.
    app.find("try-demo").await.click().await.unwrap();
    app.find("demo-banner").await;
    app.set_prompt("A lighthouse at dusk, waves below").await;
    app.generate().await;
    let demo = app.newest_job_in(&["done"], 60).await;
    app.until(
        "the demo's video to be saved",
        30,
        &format!(
            "return {}.querySelector(\"[data-testid='video'][data-local='true']\") !== null",
            card(&demo)
        ),
    )
    .await;
    let played = play_first(&app, &card(&demo)).await;
    assert!(played["error"].is_null(), "{played}");
    assert!(played["time"].as_f64().unwrap_or(0.0) > 0.1, "{played}");
    assert!(
        mock.generation_posts().is_empty(),
        "the demo never reaches a real gateway"
    );
    app.find("leave-demo").await.click().await.unwrap();
    app.until(
        "the demo to be left",
        5,
        "return document.querySelector(\"[data-testid='demo-banner']\") === null",
    )
    .await;

    // Set up a gateway in Settings: a wrong key is refused by Test connection, the right one is
    // accepted and kept (in a file only the user can read: no keychain in this test), then used.
    app.find("open-settings").await.click().await.unwrap();
    app.find("profile-form").await;
    let url = app.find("profile-base-url").await;
    url.clear().await.unwrap();
    url.send_keys(&mock.base_url()).await.unwrap();
    let key = app.find("key-input").await;
    key.send_keys("sk-wrong-key-0000").await.unwrap();
    app.find("test-connection").await.click().await.unwrap();
    app.until(
        "the refused key to be reported",
        15,
        "const r = document.querySelector(\"[data-testid='check-report']\"); return r && r.innerText.includes('The key was refused');",
    )
    .await;
    key.clear().await.unwrap();
    key.send_keys(KEY).await.unwrap();
    app.find("test-connection").await.click().await.unwrap();
    app.until(
        "the key to be accepted",
        15,
        "const r = document.querySelector(\"[data-testid='check-report']\"); return r && r.dataset.ok === 'true';",
    )
    .await;
    app.find("profile-save").await.click().await.unwrap();
    app.until(
        "the profile to be kept, its key shown only by its end",
        10,
        &format!(
            "const s = document.querySelector(\"[data-testid='key-set']\"); return s && s.innerText.includes('…{}');",
            &KEY[KEY.len() - 4..]
        ),
    )
    .await;
    let page = app
        .js("return document.documentElement.outerHTML", vec![])
        .await;
    assert!(
        !page.as_str().unwrap().contains(KEY),
        "the key is in the page"
    );
    app.screenshot(&shots.join("settings.png")).await;
    for (toggle, name) in [
        ("settings-theme-dark", "settings-dark.png"),
        ("settings-lang-zh", "settings-zh-dark.png"),
    ] {
        app.find(toggle).await.click().await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        app.screenshot(&shots.join(name)).await;
    }
    app.find("settings-lang-en").await.click().await.unwrap();
    app.find("settings-theme-light")
        .await
        .click()
        .await
        .unwrap();
    app.find("settings-back").await.click().await.unwrap();

    app.set_prompt("A kite over the harbour").await;
    app.generate().await;
    let job = app.newest_job_in(&["done", "failed"], 60).await;
    app.until(
        "the job through the saved profile to finish",
        60,
        &format!("return {}.dataset.phase === 'done'", card(&job)),
    )
    .await;
    let posts = mock.generation_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].authorization.as_deref(), Some(KEY));
    app.client.close().await.unwrap();

    // The key is nowhere Framecast wrote but its labelled key file.
    let data = videos.with_file_name("data");
    for dir in [&data, &videos] {
        for file in walk(dir) {
            if file.parent().is_some_and(|p| p.ends_with("keys")) {
                continue;
            }
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
                "the key is in {}",
                file.display()
            );
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_route_job_survives_quitting_the_app() {
    let Scene {
        mock,
        temp: _temp,
        videos,
        ..
    } = scene(120).await;
    // "Save all" is answered with the folder the videos already live in.
    let saves = videos.clone();
    let env = [("FRAMECAST_ROUTE", "task"), ("FRAMECAST_POLL_MS", "150")];
    let app = launch_env(Some(&mock.base_url()), &videos, &saves, &env).await;
    app.set_prompt("A harbour at dawn, slowly #task-slow").await;
    app.generate().await;
    let job = app.newest_job_in(&["queued", "generating"], 20).await;
    let creates = || {
        mock.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/v1/videos"))
            .count()
    };
    assert_eq!(creates(), 1);
    quit_now(app).await;

    // Framecast starts again: the task is watched again, its video saved, and it plays.
    let app = launch_env(Some(&mock.base_url()), &videos, &saves, &env).await;
    app.until(
        "the task's video after the restart",
        60,
        &format!(
            "const c = {}; return c && c.dataset.phase === 'done' &&
               c.querySelector(\"[data-testid='video'][data-local='true']\") !== null",
            card(&job)
        ),
    )
    .await;
    let played = play_first(&app, &card(&job)).await;
    assert!(played["error"].is_null(), "{played}");
    assert!(played["time"].as_f64().unwrap_or(0.0) > 0.1, "{played}");

    // Saving it into the folder it is already in leaves the paid video whole.
    app.js(
        &format!(
            "{}.querySelector(\"[data-testid='save-all']\").click()",
            card(&job)
        ),
        vec![],
    )
    .await;
    app.until(
        "the save to be confirmed",
        10,
        "return document.body.innerText.includes('Saved to')",
    )
    .await;
    let mp4s: Vec<_> = std::fs::read_dir(&videos)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "mp4"))
        .collect();
    assert_eq!(mp4s.len(), 1, "{mp4s:?}");
    assert_eq!(std::fs::read(&mp4s[0]).unwrap(), framecast_mock::SAMPLE_MP4);
    app.client.close().await.unwrap();
    assert_eq!(creates(), 1, "the task was never created again");
}

/// Drops `paths` on the window through Tauri's drag-drop event, again until the UI (whose
/// listener may not be registered yet) starts preparing them; waits for `want` thumbnails.
async fn drop_frames(app: &App, paths: &[&Path], want: usize) {
    let paths = json!(paths);
    let drop =
        format!("window.__TAURI_INTERNALS__.invoke('test_drop', {{ paths: {paths}, x: 5, y: 5 }})");
    let thumbs = "return document.querySelectorAll(\"[data-testid='slot-thumb']\").length";
    for attempt in 0.. {
        app.js(&drop, vec![]).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let busy = app
            .js(
                "return document.body.innerText.includes('Preparing')",
                vec![],
            )
            .await;
        if busy == json!(true) || app.js(thumbs, vec![]).await != json!(0) || attempt == 10 {
            break;
        }
    }
    app.until(
        "the frames to be prepared",
        60,
        &format!("{thumbs} === {want}"),
    )
    .await;
}

/// Generates `prompt` with `n` takes; returns the job once it is done with every take local.
async fn generate_done(app: &App, prompt: &str, n: u8) -> String {
    app.set_prompt(prompt).await;
    app.find(&format!("count-{n}")).await.click().await.unwrap();
    app.generate().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let job = app.newest_job_in(&["done"], 60).await;
    app.until(
        "every take to be saved",
        30,
        &format!(
            "return {}.querySelectorAll(\"[data-testid='video'][data-local='true']\").length === {n}",
            card(&job)
        ),
    )
    .await;
    job
}

/// Asks the window to close and answers "Quit now" (work may be running); the app is gone.
async fn quit_now(app: App) {
    app.js("window.__TAURI_INTERNALS__.invoke('test_close')", vec![])
        .await;
    app.find("quit-now").await;
    // Clicked from a timer: the click closes the window the WebDriver call is waiting on.
    let _ = app
        .client
        .execute(
            "setTimeout(() => document.querySelector(\"[data-testid='quit-now']\").click(), 0)",
            vec![],
        )
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// A screenshot in Chinese and the dark theme, then back to English and light.
async fn zh_dark(app: &App, path: &Path) {
    theme(app, "dark").await;
    language(app, "zh").await;
    app.screenshot(path).await;
    language(app, "en").await;
    theme(app, "light").await;
}

/// Switches the theme until it is `theme` (the toggle cycles System → Light → Dark).
async fn theme(app: &App, theme: &str) {
    let is = format!("return document.documentElement.dataset.theme === '{theme}'");
    for _ in 0..3 {
        if app.js(&is, vec![]).await == json!(true) {
            break;
        }
        // Clicked by script: a modal view (prompt help) may cover the top bar.
        app.find("theme-toggle").await;
        app.js(
            "document.querySelector(\"[data-testid='theme-toggle']\").click()",
            vec![],
        )
        .await;
    }
    app.until(&format!("the {theme} theme"), 5, &is).await;
}

/// Sets the UI language ("en" or "zh").
async fn language(app: &App, lang: &str) {
    let html = if lang == "zh" { "zh-CN" } else { "en" };
    let is = format!("return document.documentElement.lang === '{html}'");
    if app.js(&is, vec![]).await != json!(true) {
        app.find("lang-toggle").await;
        app.js(
            "document.querySelector(\"[data-testid='lang-toggle']\").click()",
            vec![],
        )
        .await;
    }
    app.until(&format!("the {lang} UI"), 5, &is).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_library_finds_plays_compares_reuses_and_continues_from_a_frame() {
    let Scene {
        mock,
        temp,
        videos,
        saves,
        shots,
    } = scene(80).await;
    let data = videos.with_file_name("data");
    let trash = videos.with_file_name("profile").join("data/Trash/files");
    let start = frame(temp.path(), "harbour.png", 1600, 900, 120);

    let app = launch(&mock.base_url(), &videos, &saves).await;
    app.find("prompt").await;

    // Past work: takes from a start frame, a text-only job, a refused one, and a third.
    drop_frames(&app, &[&start], 1).await;
    let lanterns = generate_done(&app, "Lanterns drift across the harbour at dusk", 2).await;
    app.find("slot-start").await;
    app.js(
        "document.querySelector(\"[data-testid='slot-start'] .clear\").click()",
        vec![],
    )
    .await;
    generate_done(&app, "A red fox trots through fresh snow", 1).await;
    app.set_prompt("A refused request #http-401").await;
    app.generate().await;
    app.newest_job_in(&["failed"], 20).await;
    // Prompt help: improve the prompt with the gateway's text model, look at it side by side in
    // both themes and languages, accept it, and generate from it.
    let boats = "Paper boats race down a rainy street";
    app.set_prompt(boats).await;
    app.find("help-improve").await.click().await.unwrap();
    app.find("prompt-help").await;
    app.until(
        "the suggestion to be written",
        20,
        "const d = document.querySelector(\"[data-testid='prompt-help']\");
         return d && d.dataset.running === 'false' &&
           !document.querySelector(\"[data-testid='help-accept']\").disabled",
    )
    .await;
    let improved = format!("{boats}{}", framecast_mock::text::IMPROVED_TAIL);
    let shown = app
        .js(
            "return document.querySelector(\"[data-testid='help-suggestion']\").innerText",
            vec![],
        )
        .await;
    assert_eq!(shown.as_str().unwrap().trim(), improved);
    let marked = app
        .js(
            "return document.querySelectorAll(\"[data-testid='help-suggestion'] .added\").length",
            vec![],
        )
        .await;
    assert!(marked.as_u64().unwrap() >= 1, "the changes are marked");
    let posts = mock.text_posts();
    assert_eq!(posts.len(), 1, "sent once, when clicked");
    assert_eq!(
        posts[0].body.as_ref().unwrap()["messages"][1]["content"],
        boats
    );
    theme(&app, "light").await;
    app.screenshot(&shots.join("prompt-help.png")).await;
    let more = std::env::temp_dir().join("framecast-prompt-help");
    theme(&app, "dark").await;
    app.screenshot(&more.join("prompt-help-dark.png")).await;
    language(&app, "zh").await;
    app.screenshot(&more.join("prompt-help-zh-dark.png")).await;
    theme(&app, "light").await;
    app.screenshot(&more.join("prompt-help-zh.png")).await;
    language(&app, "en").await;
    app.find("help-accept").await.click().await.unwrap();
    let prompt = app
        .find("prompt")
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(prompt, improved);
    app.find("count-3").await.click().await.unwrap();
    let before = mock.generation_posts().len();
    app.generate().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = app.newest_job_in(&["done"], 60).await;
    app.until(
        "every take of the improved prompt to be saved",
        30,
        &format!(
            "return {}.querySelectorAll(\"[data-testid='video'][data-local='true']\").length === 3",
            card(&sent)
        ),
    )
    .await;
    let posts = mock.generation_posts();
    assert_eq!(posts.len(), before + 1);
    assert_eq!(
        posts[before].body.as_ref().unwrap()["messages"][0]["content"],
        improved.as_str(),
        "the video model got the improved prompt"
    );

    // Each saved take got a poster, captured once in the window and stored in the library.
    let posters = data.join("posters");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::fs::read_dir(&posters).map_or(0, |d| d.count()) < 6 {
        let n = std::fs::read_dir(&posters).map_or(0, |d| d.count());
        assert!(Instant::now() < deadline, "{n} of 6 posters were captured");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The library: found by typing part of its prompt.
    app.find("nav-library").await.click().await.unwrap();
    app.find("library-grid").await;
    app.until(
        "four jobs in the grid",
        10,
        "return document.querySelectorAll(\"[data-testid='library-tile']\").length === 4",
    )
    .await;
    let search = app.find("library-search").await;
    search.send_keys("harbour").await.unwrap();
    app.until(
        "the search to find the lanterns",
        5,
        &format!(
            "const t = [...document.querySelectorAll(\"[data-testid='library-tile']\")];
             return t.length === 1 && t[0].dataset.jobId === '{lanterns}'"
        ),
    )
    .await;
    app.until(
        "its poster to show",
        10,
        "const i = document.querySelector(\"[data-testid='library-tile'] img\");
         return i && i.complete && i.naturalWidth > 0",
    )
    .await;

    // Open it with Enter: its two takes, the keeper playing.
    app.js(
        "document.querySelector(\"[data-testid='library-tile']\").focus()",
        vec![],
    )
    .await;
    app.client
        .active_element()
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    app.until(
        "the job's details with both takes",
        10,
        &format!(
            "const d = document.querySelector(\"[data-testid='job-detail']\");
             return d && d.dataset.jobId === '{lanterns}' &&
               d.querySelectorAll(\"[data-testid='take-video']\").length === 2"
        ),
    )
    .await;
    app.until(
        "the keeper take to play",
        10,
        "const v = document.querySelector(\"[data-testid='take-video']\");
         return v && !v.paused && v.currentTime > 0.2",
    )
    .await;
    app.js(
        "document.querySelector(\"[data-testid='take-favourite']\").click()",
        vec![],
    )
    .await;
    app.until(
        "take 1 to be a favourite",
        5,
        "return document.querySelector(\"[data-testid='take']\").dataset.favourite === 'true'",
    )
    .await;

    // Compare the takes: they play, pause and step as one.
    app.find("detail-compare").await.click().await.unwrap();
    app.until(
        "both takes ready to compare",
        10,
        "const v = [...document.querySelectorAll(\"[data-testid='compare-video']\")];
         return v.length === 2 && v.every(x => x.readyState >= 2)",
    )
    .await;
    app.find("compare-play").await.click().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let state = "return [...document.querySelectorAll(\"[data-testid='compare-video']\")]
                   .map(v => ({ paused: v.paused, time: v.currentTime }))";
    let playing = app.js(state, vec![]).await;
    let times: Vec<f64> = playing
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["time"].as_f64().unwrap())
        .collect();
    assert!(
        playing
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["paused"] == false),
        "{playing}"
    );
    assert!(times[0] > 0.5, "{playing}");
    assert!((times[0] - times[1]).abs() < 0.25, "in step: {playing}");
    app.screenshot(&shots.join("compare.png")).await;
    app.find("compare-forward").await.click().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stepped = app.js(state, vec![]).await;
    let stepped = stepped.as_array().unwrap();
    assert!(stepped.iter().all(|v| v["paused"] == true), "{stepped:?}");
    assert_eq!(
        stepped[0]["time"], stepped[1]["time"],
        "one frame on, together"
    );
    app.find("compare-close").await.click().await.unwrap();

    // Reuse: the form takes its prompt, count and stored start frame.
    app.find("detail-reuse").await.click().await.unwrap();
    app.until(
        "the form to be filled",
        10,
        "const p = document.querySelector(\"[data-testid='prompt']\");
         return p && p.value === 'Lanterns drift across the harbour at dusk' &&
           document.querySelector(\"[data-testid='slot-start'] [data-testid='slot-thumb']\") !== null &&
           document.querySelector(\"[data-testid='count-2']\").getAttribute('aria-checked') === 'true'",
    )
    .await;

    // Continue from a frame: play take 2 in the library, take the frame it shows.
    app.find("nav-library").await.click().await.unwrap();
    app.until(
        "the details again",
        10,
        "return document.querySelectorAll(\"[data-testid='take-video']\").length === 2",
    )
    .await;
    let size = app
        .js_async(
            "const done = arguments[arguments.length - 1];
             const v = document.querySelectorAll(\"[data-testid='take-video']\")[1];
             v.muted = true;
             v.play().then(() => setTimeout(() => done({ w: v.videoWidth, h: v.videoHeight }), 1200),
                           e => done({ failed: String(e) }));",
            vec![],
        )
        .await;
    assert!(size["failed"].is_null(), "{size}");
    app.js(
        "document.querySelectorAll(\"[data-testid='take-use-start']\")[1].click()",
        vec![],
    )
    .await;
    app.find("nav-generate").await.click().await.unwrap();
    let from = app
        .until(
            "the start slot to say where its frame came from",
            15,
            "const f = document.querySelector(\"[data-testid='slot-from']\"); return f && f.innerText",
        )
        .await;
    let from = from.as_str().unwrap();
    assert!(
        from.starts_with("From video 2 of “Lanterns drift across the harbo")
            && from.contains(" at 0:0"),
        "{from}"
    );
    let posts = mock.generation_posts().len();
    let next = generate_done(&app, "The lanterns drift out to sea", 1).await;
    let post = mock.generation_posts();
    assert_eq!(post.len(), posts + 1);
    let url = post[posts].body.as_ref().unwrap()["messages"][0]["content"][1]["image_url"]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, b64) = url.split_once(";base64,").unwrap();
    use base64::Engine;
    let sent = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let sent = image::load_from_memory(&sent).unwrap();
    assert_eq!(
        (u64::from(sent.width()), u64::from(sent.height())),
        (size["w"].as_u64().unwrap(), size["h"].as_u64().unwrap()),
        "the frame went at the video's full size"
    );

    // The library shows where the new job came from.
    app.find("nav-library").await.click().await.unwrap();
    let search = app.find("library-search").await;
    search.clear().await.unwrap();
    search.send_keys("out to sea").await.unwrap();
    app.until(
        "the new job",
        5,
        &format!("const t = document.querySelector(\"[data-testid='library-tile']\"); return t && t.dataset.jobId === '{next}'"),
    )
    .await;
    app.js(
        "document.querySelector(\"[data-testid='library-tile']\").click()",
        vec![],
    )
    .await;
    let lineage = app
        .until(
            "its lineage",
            10,
            "const l = document.querySelector(\"[data-testid='detail-lineage']\"); return l && l.innerText",
        )
        .await;
    assert!(
        lineage
            .as_str()
            .unwrap()
            .contains("Start frame from video 2 of “Lanterns"),
        "{lineage}"
    );

    // Delete a take: its file goes to the trash, and the job shows one take.
    search.clear().await.unwrap();
    search.send_keys("fox").await.unwrap();
    app.until(
        "the fox",
        5,
        "const t = [...document.querySelectorAll(\"[data-testid='library-tile']\")]; return t.length === 1",
    )
    .await;
    app.js(
        "document.querySelector(\"[data-testid='library-tile']\").click()",
        vec![],
    )
    .await;
    app.until(
        "the fox's take",
        10,
        "return document.querySelector(\"[data-testid='job-detail'] [data-testid='take-delete']\") !== null",
    )
    .await;
    let before: Vec<_> = std::fs::read_dir(&videos)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    app.js(
        "document.querySelector(\"[data-testid='take-delete']\").click()",
        vec![],
    )
    .await;
    app.find("take-delete-yes").await.click().await.unwrap();
    app.until(
        "the fox to leave the grid",
        10,
        "return document.querySelectorAll(\"[data-testid='library-tile']\").length === 0",
    )
    .await;
    let after: Vec<_> = std::fs::read_dir(&videos)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    let gone: Vec<_> = before.iter().filter(|f| !after.contains(f)).collect();
    assert_eq!(gone.len(), 2, "the video and its sidecar: {gone:?}");
    for file in gone {
        assert!(trash.join(file).exists(), "{file:?} is in the trash");
    }

    // Screenshots: the library with a job open, light and dark, English and Chinese.
    search.clear().await.unwrap();
    app.find("filter-clear").await;
    app.js(
        "document.querySelector(\"[data-testid='filter-clear']\").click()",
        vec![],
    )
    .await;
    app.until(
        "the whole library",
        5,
        "return document.querySelectorAll(\"[data-testid='library-tile']\").length === 4",
    )
    .await;
    app.js(
        &format!("document.querySelector(\"[data-testid='library-tile'][data-job-id='{lanterns}']\").click()"),
        vec![],
    )
    .await;
    app.until(
        "the lanterns' details and every poster",
        10,
        &format!(
            "const d = document.querySelector(\"[data-testid='job-detail']\");
             const imgs = [...document.querySelectorAll(\"[data-testid='library-tile'] img\")];
             return d && d.dataset.jobId === '{lanterns}' && imgs.length === 3 &&
               imgs.every(i => i.complete && i.naturalWidth > 0)"
        ),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    theme(&app, "light").await;
    app.screenshot(&shots.join("library.png")).await;
    theme(&app, "dark").await;
    app.screenshot(&shots.join("library-dark.png")).await;
    language(&app, "zh").await;
    app.screenshot(&shots.join("library-zh-dark.png")).await;
    theme(&app, "light").await;
    app.screenshot(&shots.join("library-zh.png")).await;
    language(&app, "en").await;

    // Spend: the month's total, and the ledger exported through the save dialog.
    app.find("library-tab-spend").await.click().await.unwrap();
    let month = app
        .until(
            "this month's spend",
            10,
            "const m = document.querySelector(\"[data-testid='spend-month']\"); return m && m.innerText",
        )
        .await;
    // 2 + 1 + 3 + 1 videos at $0.15 (the default price of veo-3.1-landscape-fast-fl and friends).
    assert!(month.as_str().unwrap().starts_with('$'), "{month}");
    app.screenshot(&shots.join("spend.png")).await;
    app.find("export-ledger").await.click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let csv = loop {
        let file = std::fs::read_dir(&saves)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension() == Some("csv".as_ref()));
        if let Some(file) = file {
            break std::fs::read_to_string(file).unwrap();
        }
        assert!(Instant::now() < deadline, "the ledger was not exported");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(
        csv.lines().count(),
        1 + 4 + 1,
        "a header, the four jobs that delivered and the prompt help:\n{csv}"
    );
    assert!(
        csv.contains("Lanterns drift across the harbour at dusk"),
        "{csv}"
    );
    app.client.close().await.unwrap();
}

/// Clicks the element with `testid`.
async fn click(app: &App, testid: &str) {
    app.find(testid).await.click().await.unwrap();
}

/// The Batch view's rows' states, in order.
async fn row_states(app: &App) -> Vec<String> {
    let states = app
        .js(
            "return [...document.querySelectorAll(\"[data-testid='batch-row']\")].map(r => r.dataset.state)",
            vec![],
        )
        .await;
    serde_json::from_value(states).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_batch_is_paused_resumed_and_continued_after_a_restart() {
    let Scene {
        mock,
        temp,
        videos,
        saves,
        shots,
    } = scene(120).await;
    let file = temp.path().join("harbour.csv");
    let csv: String = std::iter::once("prompt,name,count\n".to_owned())
        .chain((1..=5).map(|i| format!("\"the harbour at dawn, shot {i}\",h{i},1\n")))
        .collect();
    std::fs::write(&file, csv).unwrap();
    let app = launch(&mock.base_url(), &videos, &saves).await;
    app.find("prompt").await;

    // Dropped on the window, the file becomes a plan in the Batch view: nothing is sent yet.
    let drop = format!(
        "window.__TAURI_INTERNALS__.invoke('test_drop', {{ paths: [{}], x: 5, y: 5 }})",
        json!(file)
    );
    // The window listens for drops a moment after its first paint: drop until it hears.
    for _ in 0..10 {
        app.js(&drop, vec![]).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let heard = app
            .js(
                "return !!document.querySelector(\"[data-testid='batch-view']\")",
                vec![],
            )
            .await;
        if heard == json!(true) {
            break;
        }
    }
    app.until(
        "the plan",
        20,
        "const p = document.querySelector(\"[data-testid='plan-sendable']\"); return p && p.innerText",
    )
    .await;
    assert!(mock.generation_posts().is_empty(), "a plan sends nothing");
    app.screenshot(&shots.join("batch-plan.png")).await;
    app.js(
        "const s = document.querySelector(\"[data-testid='batch-concurrency']\"); s.value = '1'; s.dispatchEvent(new Event('change'))",
        vec![],
    )
    .await;
    click(&app, "batch-start").await;
    app.until(
        "a row running",
        30,
        "return [...document.querySelectorAll(\"[data-testid='batch-row']\")].some(r => r.dataset.state === 'sent')",
    )
    .await;

    // Paused: the running row finishes, no other starts.
    click(&app, "batch-pause").await;
    app.until(
        "the batch paused with nothing running",
        60,
        "const h = document.querySelector(\"[data-testid='batch-head']\");
         return h && h.dataset.state === 'paused' &&
           ![...document.querySelectorAll(\"[data-testid='batch-row']\")].some(r => r.dataset.state === 'sent')",
    )
    .await;
    let paused_at = mock.generation_posts().len();

    // The Spend panel projects what the paused batch still plans to spend.
    click(&app, "nav-library").await;
    click(&app, "library-tab-spend").await;
    let projected = app
        .until(
            "the batch's projection on the spend chart",
            10,
            "const p = document.querySelector(\"[data-testid='spend-projected']\"); return p && p.innerText",
        )
        .await;
    assert!(projected.as_str().unwrap().contains('$'), "{projected}");
    let days = app
        .js(
            "return document.querySelectorAll(\"[data-testid='spend-day']\").length",
            vec![],
        )
        .await;
    assert!(
        (28..=31).contains(&days.as_u64().unwrap()),
        "every day of the month: {days}"
    );
    app.screenshot(&shots.join("spend-batch.png")).await;
    zh_dark(&app, &shots.join("spend-batch-zh-dark.png")).await;
    click(&app, "nav-batch").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        mock.generation_posts().len(),
        paused_at,
        "nothing starts while paused"
    );
    let states = row_states(&app).await;
    assert!(states.iter().any(|s| s == "waiting"), "{states:?}");

    // Resumed, then the app quits with a row on the wire.
    click(&app, "batch-resume").await;
    app.until(
        "a row running again",
        30,
        "return [...document.querySelectorAll(\"[data-testid='batch-row']\")].some(r => r.dataset.state === 'sent')",
    )
    .await;
    app.screenshot(&shots.join("batch.png")).await;
    zh_dark(&app, &shots.join("batch-zh-dark.png")).await;
    quit_now(app).await;

    // Started again, the batch continues where it was, and ends with each row sent once.
    let app = launch(&mock.base_url(), &videos, &saves).await;
    app.find("prompt").await;
    click(&app, "nav-batch").await;
    app.until(
        "the batch to finish after the restart",
        120,
        "const h = document.querySelector(\"[data-testid='batch-head']\"); return h && h.dataset.state === 'done'",
    )
    .await;
    let mut sent = std::collections::BTreeMap::<String, usize>::new();
    for post in mock.generation_posts() {
        let prompt = post.body.unwrap()["messages"][0]["content"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        *sent.entry(prompt).or_default() += 1;
    }
    assert_eq!(sent.len(), 5, "{sent:?}");
    assert!(
        sent.values().all(|&n| n == 1),
        "each row sent once: {sent:?}"
    );
    let states = row_states(&app).await;
    assert_eq!(states.len(), 5);
    assert!(
        states.iter().all(|s| s == "done" || s == "failed"),
        "the row cut by the quit ends failed, never sent again: {states:?}"
    );

    // Results: written next to the videos, and the toast says where.
    click(&app, "batch-results").await;
    app.until(
        "the toast naming the results",
        10,
        "return document.body.innerText.includes('-results.csv')",
    )
    .await;
    let csv = std::fs::read_dir(&videos)
        .unwrap()
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().ends_with("-results.csv"))
        .expect("a results CSV next to the videos");
    let text = std::fs::read_to_string(csv.path()).unwrap();
    assert_eq!(
        text.lines().count(),
        6,
        "a header and a line per row: {text}"
    );
    app.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_images_dropped_on_the_options_row_go_with_the_job() {
    let Scene {
        mock,
        temp,
        videos,
        saves,
        shots,
    } = scene(60).await;
    let girl = frame(temp.path(), "girl.png", 800, 800, 30);
    let boat = frame(temp.path(), "boat.jpg", 900, 600, 160);
    let app = launch(&mock.base_url(), &videos, &saves).await;
    app.find("prompt").await;
    click(&app, "options-toggle").await;
    app.find("references").await;

    // Dropped on the reference area (where WebKitGTK reports the pointer, in CSS pixels), the
    // images become references, not frames.
    let at = app
        .js(
            "const r = document.querySelector(\"[data-drop='references']\").getBoundingClientRect();
             return [r.left + r.width / 2, r.top + r.height / 2]",
            vec![],
        )
        .await;
    let drop = format!(
        "window.__TAURI_INTERNALS__.invoke('test_drop', {{ paths: {}, x: {}, y: {} }})",
        json!([girl, boat]),
        at[0],
        at[1]
    );
    app.js(&drop, vec![]).await;
    app.until(
        "two reference images",
        30,
        "return document.querySelectorAll(\"[data-testid='references'] .thumb\").length === 2",
    )
    .await;
    let slots = app
        .js(
            "return document.querySelectorAll(\"[data-testid='slot-thumb']\").length",
            vec![],
        )
        .await;
    assert_eq!(slots, json!(0), "nothing went to the frame slots");
    app.set_prompt("The red-haired girl sails the paper boat across the harbour")
        .await;
    app.js(
        "document.querySelector(\"[data-testid='references']\").scrollIntoView({ block: 'end' })",
        vec![],
    )
    .await;
    app.screenshot(&shots.join("options.png")).await;
    zh_dark(&app, &shots.join("options-zh-dark.png")).await;

    // The job carries them: a reference model, and both images as parts of the one request.
    let job = generate_done(
        &app,
        "The red-haired girl sails the paper boat across the harbour",
        1,
    )
    .await;
    let posts = mock.generation_posts();
    assert_eq!(posts.len(), 1);
    let body = posts[0].body.clone().unwrap();
    let model = body["model"].as_str().unwrap();
    assert!(model.contains("-r2v"), "a reference model is sent: {model}");
    let images = body["messages"][0]["content"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["type"] == "image_url")
        .count();
    assert_eq!(images, 2, "{body}");
    let recorded = app
        .js(
            &format!(
                "return {}.querySelector('.meta .mono').innerText",
                card(&job)
            ),
            vec![],
        )
        .await;
    assert_eq!(
        recorded,
        json!(model),
        "the card names the model that was sent"
    );
    app.client.close().await.unwrap();
}

/// The Storyboard view's cards' states, in order.
async fn shot_states(app: &App) -> Vec<String> {
    let states = app
        .js(
            "return [...document.querySelectorAll(\"[data-testid='shot-card']\")].map(c => c.dataset.state)",
            vec![],
        )
        .await;
    serde_json::from_value(states).unwrap_or_default()
}

/// Types `text` as the selected shot's prompt and leaves the field, which saves it.
async fn shot_prompt(app: &App, text: &str) {
    let field = app.find("shot-prompt").await;
    field.click().await.unwrap();
    field.send_keys(text).await.unwrap();
    app.js("document.activeElement.blur()", vec![]).await;
    let script = format!(
        "return [...document.querySelectorAll(\"[data-testid='shot-card']\")].some(c => c.innerText.includes({}))",
        json!(text)
    );
    app.until("the shot's prompt on its card", 10, &script)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storyboard_of_three_continuing_shots_is_generated_played_and_exported() {
    let Scene {
        mock,
        temp,
        videos,
        saves,
        shots,
    } = scene(40).await;
    let app = launch(&mock.base_url(), &videos, &saves).await;
    app.find("prompt").await;
    click(&app, "nav-storyboard").await;

    // A first storyboard, named in the empty view; three shots, each after the first continuing
    // from the one before.
    let name = app.find("storyboard-first-name").await;
    name.send_keys("Paper boat").await.unwrap();
    click(&app, "storyboard-first-create").await;
    app.find("shot-add").await;
    let prompts = [
        "A paper boat drifts down a rain-soaked gutter at dusk, neon reflections",
        "The boat tips over a storm drain's lip into a wide grey river",
        "The river opens onto the sea at dawn, the boat small against the light",
    ];
    for (i, prompt) in prompts.iter().enumerate() {
        click(&app, "shot-add").await;
        app.until(
            "a new shot card",
            10,
            &format!(
                "return document.querySelectorAll(\"[data-testid='shot-card']\").length === {}",
                i + 1
            ),
        )
        .await;
        shot_prompt(&app, prompt).await;
        let continues = app
            .js(
                "return document.querySelector(\"[data-testid='shot-continues']\").checked",
                vec![],
            )
            .await;
        assert_eq!(continues, json!(i > 0), "shot {} continues", i + 1);
    }

    // The plan comes first: three shots, their cost; nothing is sent.
    click(&app, "storyboard-generate-missing").await;
    let sendable = app
        .until(
            "the storyboard's plan",
            20,
            "const p = document.querySelector(\"[data-testid='storyboard-plan-sendable']\"); return p && p.innerText",
        )
        .await;
    assert!(sendable.as_str().unwrap().contains("3 of 3"), "{sendable}");
    assert!(mock.generation_posts().is_empty(), "a plan sends nothing");
    click(&app, "storyboard-start").await;
    app.until(
        "every shot to have its take chosen",
        180,
        "const c = [...document.querySelectorAll(\"[data-testid='shot-card']\")];
         return c.length === 3 && c.every(x => x.dataset.state === 'chosen')",
    )
    .await;
    let posts = mock.generation_posts();
    assert_eq!(posts.len(), 3, "one paid request per shot");
    for (i, post) in posts.iter().enumerate() {
        let body = post.body.as_ref().unwrap().to_string();
        assert!(
            body.contains(prompts[i]),
            "shot {} was sent in order",
            i + 1
        );
        assert_eq!(
            body.contains("data:image/"),
            i > 0,
            "shot {} starts from the previous take's last picture",
            i + 1
        );
    }
    // The library says which take and moment each continuing shot started from.
    {
        let library = framecast_library::Library::open(&temp.path().join("data")).unwrap();
        let board = library.storyboards().unwrap()[0].id.clone();
        let recorded = library.shots(&board).unwrap();
        for pair in recorded.windows(2) {
            let job = framecast_core::JobId::parse(&pair[1].jobs[0].job_id).unwrap();
            let job = library.job(&job).unwrap().unwrap();
            assert_eq!(job.continues.len(), 1);
            assert_eq!(Some(job.continues[0].video_id.clone()), pair[0].chosen);
            assert_eq!(job.continues[0].at_ms, 3958, "the take's last picture");
        }
    }

    // Played as one film: the second shot follows the first, then the third, to the end.
    app.until(
        "the sequence to know its three takes",
        20,
        "return document.querySelector(\"[data-testid='sequence-player']\").dataset.segments === '3'",
    )
    .await;
    click(&app, "sequence-play").await;
    for n in ["2", "3"] {
        app.until(
            &format!("the sequence to play shot {n}"),
            30,
            &format!(
                "return document.querySelector(\"[data-testid='sequence-player']\").dataset.shot === '{n}'"
            ),
        )
        .await;
    }
    app.until(
        "the sequence to end",
        30,
        "return document.querySelector(\"[data-testid='sequence-player']\").dataset.playing === 'false'",
    )
    .await;
    let total: f64 = app
        .js(
            "return document.querySelector(\"[data-testid='sequence-player']\").dataset.total",
            vec![],
        )
        .await
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((total - 12.0).abs() < 0.2, "three 4 s takes: {total}");

    // A moment of shot 2, the posters in, for the screenshots.
    app.until(
        "every card's poster",
        30,
        "return document.querySelectorAll(\"[data-testid='shot-card'] img\").length === 3",
    )
    .await;
    app.js(
        "const s = document.querySelector(\"[data-testid='sequence-scrub']\"); s.value = '5.5'; s.dispatchEvent(new Event('input', { bubbles: true }))",
        vec![],
    )
    .await;
    app.js(
        "document.querySelectorAll(\"[data-testid='shot-card']\")[1].click()",
        vec![],
    )
    .await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    app.screenshot(&shots.join("storyboard.png")).await;
    zh_dark(&app, &shots.join("storyboard-zh-dark.png")).await;

    // Exported: the joined MP4 and the cut as OpenTimelineIO, through the save dialogs.
    for kind in ["mp4", "otio"] {
        click(&app, "storyboard-export").await;
        click(&app, &format!("export-{kind}")).await;
        let file = saves.join(format!("paper-boat.{kind}"));
        let deadline = Instant::now() + Duration::from_secs(30);
        while !file.is_file() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(file.is_file(), "{} was not written", file.display());
    }
    let joined = std::fs::metadata(saves.join("paper-boat.mp4"))
        .unwrap()
        .len();
    assert!(joined > 3 * 100_000, "three takes joined: {joined} bytes");
    let otio: Value =
        serde_json::from_str(&std::fs::read_to_string(saves.join("paper-boat.otio")).unwrap())
            .unwrap();
    let clips = otio["tracks"]["children"][0]["children"]
        .as_array()
        .unwrap();
    assert_eq!(clips.len(), 3, "the OTIO file lists three clips");
    assert_eq!(otio["name"], "Paper boat");
    assert_eq!(shot_states(&app).await, ["chosen", "chosen", "chosen"]);
    app.client.close().await.unwrap();
}

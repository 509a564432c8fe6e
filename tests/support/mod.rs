//! What the tests that start the real app share: child processes that stop cleanly, a free
//! port, a private X display, a WebDriver session with the app, waiting on the page, and test
//! frames.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process stopped with SIGTERM when dropped (a SIGKILLed driver can leave its port held).
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts Xvfb on a free display number.
pub fn xvfb() -> (Process, String) {
    for n in 90..140 {
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
        {
            continue;
        }
        let child = Command::new("Xvfb")
            .args([
                &format!(":{n}"),
                "-screen",
                "0",
                "1400x900x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is not installed (scripts/setup installs it)");
        let process = Process(child);
        for _ in 0..100 {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return (process, format!(":{n}"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("could not start Xvfb");
}

/// Writes a test frame: a gradient with a marker, `w`×`h`.
pub fn frame(dir: &Path, name: &str, w: u32, h: u32, hue: u8) -> PathBuf {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        let r = (x * 255 / w) as u8;
        let g = (y * 255 / h) as u8;
        image::Rgb([r, g, hue])
    });
    let path = dir.join(name);
    img.save(&path).unwrap();
    path
}

/// A WebDriver session with `binary` started with `args`, through the driver on `port` (tried
/// again while the driver starts).
pub async fn session(port: u16, binary: &Path, args: &[&str]) -> Client {
    let caps = json!({
        "webkitgtk:browserOptions": { "binary": binary, "args": args }
    });
    let caps = caps.as_object().unwrap().clone();
    let mut last_error = None;
    for _ in 0..100 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return client,
            Err(e) => {
                last_error = Some(e);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    panic!("could not start a WebDriver session: {last_error:?}");
}

/// Polls `script` until it returns something truthy (not null, false, 0 or ""); on timeout, the
/// page's text is in the failure.
pub async fn until(client: &Client, what: &str, secs: u64, script: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Ok(v) = client.execute(script, vec![]).await
            && !(v.is_null() || v == json!(false) || v == json!(0) || v == json!(""))
        {
            return v;
        }
        if Instant::now() > deadline {
            let text = client
                .execute("return document.body.innerText", vec![])
                .await;
            panic!("timed out waiting for {what}; the page says:\n{text:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

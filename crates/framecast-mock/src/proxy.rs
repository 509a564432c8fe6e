//! A loopback HTTP forward proxy for tests: it passes plain-HTTP requests in absolute form
//! (`GET http://127.0.0.1:port/path HTTP/1.1`, as clients send them to a proxy) on to their host,
//! one request per connection, and counts them — or, set to refuse, accepts each connection and
//! closes it without a word.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running proxy; it stops when dropped.
pub struct ForwardProxy {
    addr: SocketAddr,
    passed: Arc<AtomicUsize>,
    server: tokio::task::JoinHandle<()>,
}

impl ForwardProxy {
    /// A proxy that passes requests on.
    pub async fn start() -> std::io::Result<Self> {
        Self::run(false).await
    }

    /// A proxy that accepts connections and closes them at once.
    pub async fn refusing() -> std::io::Result<Self> {
        Self::run(true).await
    }

    async fn run(refuse: bool) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let passed = Arc::new(AtomicUsize::new(0));
        let count = passed.clone();
        let server = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if refuse {
                    drop(client);
                    continue;
                }
                let count = count.clone();
                tokio::spawn(async move {
                    let _ = forward(client, &count).await;
                });
            }
        });
        Ok(Self {
            addr,
            passed,
            server,
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests passed on so far.
    pub fn passed(&self) -> usize {
        self.passed.load(Ordering::SeqCst)
    }
}

impl Drop for ForwardProxy {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Reads one request head, rewrites its target to origin form, and pipes both ways.
async fn forward(mut client: TcpStream, passed: &AtomicUsize) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1024];
    let end = loop {
        let n = client.read(&mut byte).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        head.extend_from_slice(&byte[..n]);
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if head.len() > 64 * 1024 {
            return Err(std::io::ErrorKind::InvalidData.into());
        }
    };
    let text = String::from_utf8_lossy(&head[..end]).into_owned();
    let (line, rest) = text
        .split_once("\r\n")
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let mut parts = line.splitn(3, ' ');
    let (method, target, version) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let without_scheme = target
        .strip_prefix("http://")
        .ok_or(std::io::ErrorKind::InvalidData)?;
    let (authority, path) = match without_scheme.find('/') {
        Some(i) => (&without_scheme[..i], &without_scheme[i..]),
        None => (without_scheme, "/"),
    };
    let mut upstream = TcpStream::connect(authority).await?;
    upstream
        .write_all(format!("{method} {path} {version}\r\n{rest}").as_bytes())
        .await?;
    upstream.write_all(&head[end..]).await?;
    passed.fetch_add(1, Ordering::SeqCst);
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

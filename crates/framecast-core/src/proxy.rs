//! How requests reach the internet: through the system's proxy settings, directly, or through an
//! HTTP(S) or SOCKS5 proxy. The same setting drives the generation, the downloads and the
//! connection test, so a proxy that is set is really used.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use url::Url;

/// A profile's proxy setting, written `system`, `none` or as the proxy's URL.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Proxy {
    /// What the system says: the `HTTPS_PROXY` / `ALL_PROXY` / `NO_PROXY` variables, and on
    /// Windows and macOS the proxy set in the system's settings (reqwest's `system-proxy`).
    #[default]
    System,
    /// No proxy, whatever the system says.
    None,
    /// `http://`, `https://`, `socks5://` or `socks5h://`, with credentials if it needs them.
    Url(Url),
}

impl Proxy {
    /// Reads `system`, `none` (or an empty text) or a proxy URL.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        match text.to_ascii_lowercase().as_str() {
            "" | "none" | "direct" => return Ok(Self::None),
            "system" => return Ok(Self::System),
            _ => {}
        }
        let bad = |why_en: &str, why_zh: &str| {
            Error::invalid_input(
                format!("the proxy “{text}” {why_en}"),
                format!("代理地址“{text}”{why_zh}"),
            )
        };
        let url = Url::parse(text).map_err(|_| {
            bad(
                "is not a URL (write it like http://127.0.0.1:7890 or socks5://127.0.0.1:1080)",
                "不是有效的网址（例如 http://127.0.0.1:7890 或 socks5://127.0.0.1:1080）",
            )
        })?;
        if !matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") {
            return Err(bad(
                "must start with http://, https://, socks5:// or socks5h://",
                "必须以 http://、https://、socks5:// 或 socks5h:// 开头",
            ));
        }
        if url.host().is_none() || url.port_or_known_default().is_none() {
            return Err(bad("has no host and port", "缺少主机名和端口"));
        }
        Ok(Self::Url(url))
    }

    /// Applies the setting to an HTTP client being built.
    pub fn apply(&self, builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder> {
        Ok(match self {
            Self::System => builder,
            Self::None => builder.no_proxy(),
            Self::Url(url) => builder.proxy(reqwest::Proxy::all(url.as_str()).map_err(|e| {
                Error::invalid_input(
                    format!("the proxy cannot be used: {e}"),
                    format!("无法使用该代理：{e}"),
                )
            })?),
        })
    }

    /// The proxy's host and port, when one is set explicitly.
    pub fn address(&self) -> Option<(String, u16)> {
        match self {
            Self::Url(url) => Some((url.host_str()?.to_owned(), url.port_or_known_default()?)),
            _ => None,
        }
    }

    /// The setting as shown, without any password in the URL.
    pub fn shown(&self) -> String {
        match self {
            Self::Url(url) if url.password().is_some() => {
                let mut url = url.clone();
                let _ = url.set_password(Some("…"));
                url.to_string()
            }
            other => other.to_string(),
        }
    }
}

impl Proxy {
    /// The setting without its password, and the password (percent-decoded) when it had one: the
    /// password is kept with the keys, the rest with the profile.
    pub fn split_password(&self) -> (Self, Option<String>) {
        match self {
            Self::Url(url) if url.password().is_some() => {
                let password = url.password().map(|p| {
                    percent_encoding::percent_decode_str(p)
                        .decode_utf8_lossy()
                        .into_owned()
                });
                let mut bare = url.clone();
                let _ = bare.set_password(None);
                (Self::Url(bare), password)
            }
            other => (other.clone(), None),
        }
    }

    /// The setting with `password` put back into its URL.
    pub fn with_password(&self, password: &str) -> Self {
        match self {
            Self::Url(url) => {
                let mut full = url.clone();
                let _ = full.set_password(Some(password));
                Self::Url(full)
            }
            other => other.clone(),
        }
    }
}

impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::System => f.write_str("system"),
            Self::None => f.write_str("none"),
            Self::Url(url) => f.write_str(url.as_str()),
        }
    }
}

impl TryFrom<String> for Proxy {
    type Error = Error;

    fn try_from(value: String) -> Result<Self> {
        Self::parse(&value)
    }
}

impl From<Proxy> for String {
    fn from(p: Proxy) -> Self {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_read_and_write_back() {
        for text in [
            "system",
            "none",
            "http://127.0.0.1:7890/",
            "socks5://u:p@10.0.0.1:1080",
        ] {
            assert_eq!(Proxy::parse(text).unwrap().to_string(), text, "{text}");
        }
        assert_eq!(Proxy::parse("").unwrap(), Proxy::None);
        assert_eq!(
            Proxy::parse("socks5://h:9").unwrap().address(),
            Some(("h".into(), 9))
        );
        assert_eq!(
            Proxy::parse("socks5://u:secret@h:9").unwrap().shown(),
            "socks5://u:%E2%80%A6@h:9"
        );
    }

    #[test]
    fn a_password_comes_out_of_the_url_and_goes_back_in() {
        let proxy = Proxy::parse("socks5://u:p%40s+s w@h:9").unwrap();
        let (bare, password) = proxy.split_password();
        assert_eq!(bare.to_string(), "socks5://u@h:9");
        assert_eq!(password.as_deref(), Some("p@s+s w"));
        assert_eq!(bare.with_password("p@s+s w"), proxy);
        assert_eq!(Proxy::System.split_password(), (Proxy::System, None));
    }

    #[test]
    fn what_is_not_a_proxy_says_so_in_both_languages() {
        for (text, words) in [
            ("127.0.0.1:7890", "not a URL"),
            ("ftp://h:21", "must start with"),
            ("http://", "not a URL"),
        ] {
            let e = Proxy::parse(text).unwrap_err();
            assert!(e.message(crate::Lang::En).contains(words), "{text}: {e}");
            assert!(e.message(crate::Lang::Zh).contains("代理地址"), "{text}");
        }
    }
}

//! What `framecast` was asked to do on its command line: print its version or a short help and
//! exit without a window, or open the window with up to two images for the start and end slots
//! (`framecast IMAGE [IMAGE]`, which is what a file manager's "Open with Framecast" runs).
//!
//! One pure function reads both this process's arguments and those a second `framecast` forwards
//! to the running one (with that process's working directory), so both are read alike. It never
//! touches the disk: a path that is not an image is refused later, by the frame pipeline, in the
//! slot it was meant for.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// How many images a launch can name: the start frame and the end frame.
pub const MAX_IMAGES: usize = 2;

/// What a command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    /// `--version` or `-V`: print the version, open nothing.
    Version,
    /// `--help` or `-h`: print how to start Framecast, open nothing.
    Help,
    /// Open the window, with these images (absolute paths, at most [`MAX_IMAGES`]) for the
    /// start and end slots.
    Open(Vec<PathBuf>),
}

impl Launch {
    /// Reads the arguments after the program's name. Relative paths are taken against `cwd`,
    /// `file://` URIs become paths, and options Framecast does not know (some launchers add
    /// their own) are ignored; after `--` everything is a path.
    pub fn parse<I, S>(args: I, cwd: &Path) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let mut images = Vec::new();
        let mut options = true;
        for arg in args {
            let arg: OsString = arg.into();
            if arg.is_empty() {
                continue;
            }
            if options {
                match arg.to_str() {
                    Some("--") => {
                        options = false;
                        continue;
                    }
                    Some("--version" | "-V") => return Self::Version,
                    Some("--help" | "-h") => return Self::Help,
                    Some(flag) if flag.starts_with('-') => continue,
                    _ => {}
                }
            }
            if images.len() < MAX_IMAGES {
                images.push(path_of(arg, cwd));
            }
        }
        Self::Open(images)
    }
}

/// The images waiting for the window once another launch named `more`: those already waiting
/// keep their places (the first launch's image stays the start frame), the new ones follow, a
/// path named twice is kept once, and no more than [`MAX_IMAGES`] are kept.
///
/// Windows' "Open with" on several images starts one `framecast` per image, each handing over a
/// list of its own; a list that replaced the one before kept only the last image.
pub fn merge_opened(mut waiting: Vec<PathBuf>, more: Vec<PathBuf>) -> Vec<PathBuf> {
    for path in more {
        if waiting.len() >= MAX_IMAGES {
            break;
        }
        if !waiting.contains(&path) {
            waiting.push(path);
        }
    }
    waiting
}

/// An argument as an absolute path: a `file://` URI's path, or a path joined to `cwd`.
fn path_of(arg: OsString, cwd: &Path) -> PathBuf {
    if let Some(path) = arg
        .to_str()
        .filter(|s| s.starts_with("file://"))
        .and_then(|s| url::Url::parse(s).ok())
        .and_then(|u| u.to_file_path().ok())
    {
        return path;
    }
    cwd.join(arg)
}

/// The text `framecast --help` prints, in the person's language.
pub fn help(lang: framecast_core::Lang) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match lang {
        framecast_core::Lang::En => format!(
            "Framecast {version}: generate video with Veo\n\n\
             Usage: framecast [IMAGE [IMAGE]]\n\n\
             \x20 IMAGE          a start frame, then an end frame; if Framecast is running\n\
             \x20                already, the images go to its window\n\
             \x20 -V, --version  print the version\n\
             \x20 -h, --help     print this help\n\n\
             The command-line tool is framecast-cli.\n"
        ),
        framecast_core::Lang::Zh => format!(
            "Framecast {version}：用 Veo 生成视频\n\n\
             用法：framecast [图片 [图片]]\n\n\
             \x20 图片           首帧，然后是尾帧；如果 Framecast 已在运行，图片会交给它的窗口\n\
             \x20 -V, --version  显示版本\n\
             \x20 -h, --help     显示此帮助\n\n\
             命令行工具是 framecast-cli。\n"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Launch {
        Launch::parse(args.iter().copied(), Path::new("/home/ann/Pictures"))
    }

    fn open(paths: &[&str]) -> Launch {
        Launch::Open(paths.iter().map(PathBuf::from).collect())
    }

    #[test]
    fn no_arguments_open_an_empty_window() {
        assert_eq!(parse(&[]), open(&[]));
        assert_eq!(parse(&[""]), open(&[]));
    }

    #[test]
    fn one_or_two_images_fill_start_then_end() {
        assert_eq!(parse(&["/tmp/a.png"]), open(&["/tmp/a.png"]));
        assert_eq!(
            parse(&["/tmp/a.png", "/srv/b.jpg"]),
            open(&["/tmp/a.png", "/srv/b.jpg"])
        );
    }

    #[test]
    fn relative_paths_are_taken_against_the_working_directory() {
        assert_eq!(
            parse(&["a.png", "../b.webp"]),
            open(&["/home/ann/Pictures/a.png", "/home/ann/Pictures/../b.webp"])
        );
        let elsewhere = Launch::parse(["x.png"], Path::new("/mnt/usb"));
        assert_eq!(elsewhere, open(&["/mnt/usb/x.png"]));
    }

    #[test]
    fn a_third_image_is_ignored() {
        assert_eq!(
            parse(&["/a.png", "/b.png", "/c.png"]),
            open(&["/a.png", "/b.png"])
        );
    }

    #[test]
    fn version_and_help_win_wherever_they_stand() {
        assert_eq!(parse(&["--version"]), Launch::Version);
        assert_eq!(parse(&["/a.png", "-V"]), Launch::Version);
        assert_eq!(parse(&["--help", "/a.png"]), Launch::Help);
        assert_eq!(parse(&["-h"]), Launch::Help);
    }

    #[test]
    fn unknown_options_are_ignored_and_a_double_dash_ends_options() {
        assert_eq!(
            parse(&["-psn_0_12345", "--automation", "/a.png"]),
            open(&["/a.png"])
        );
        assert_eq!(
            parse(&["--", "--version", "-odd.png"]),
            open(&[
                "/home/ann/Pictures/--version",
                "/home/ann/Pictures/-odd.png"
            ])
        );
    }

    #[test]
    #[cfg(unix)]
    fn file_uris_become_paths() {
        assert_eq!(
            parse(&["file:///home/ann/My%20Photos/sea.jpg"]),
            open(&["/home/ann/My Photos/sea.jpg"])
        );
        // Not a file URI: a (strange) relative name.
        assert_eq!(
            parse(&["https://example.com/a.png"]),
            open(&["/home/ann/Pictures/https://example.com/a.png"])
        );
    }

    #[test]
    fn launches_that_hand_over_one_image_each_fill_start_then_end() {
        let cwd = Path::new("/home/ann/Pictures");
        // Windows' "Open with" on sea.png and sky.png: two processes, one image each.
        let forwarded = [
            vec!["C:/Program Files/Framecast/framecast.exe", "sea.png"],
            vec!["C:/Program Files/Framecast/framecast.exe", "sky.png"],
            vec!["C:/Program Files/Framecast/framecast.exe", "sun.png"],
        ];
        let waiting = forwarded.iter().fold(Vec::new(), |waiting, argv| {
            match Launch::parse(argv.iter().skip(1).copied(), cwd) {
                Launch::Open(images) => merge_opened(waiting, images),
                other => panic!("{other:?}"),
            }
        });
        assert_eq!(waiting, [cwd.join("sea.png"), cwd.join("sky.png")]);
    }

    #[test]
    fn merging_keeps_what_waits_first_once_and_at_most_two() {
        let p = |names: &[&str]| names.iter().map(PathBuf::from).collect::<Vec<_>>();
        assert_eq!(merge_opened(p(&[]), p(&["/a"])), p(&["/a"]));
        assert_eq!(merge_opened(p(&["/a"]), p(&["/b"])), p(&["/a", "/b"]));
        assert_eq!(merge_opened(p(&["/a"]), p(&["/a", "/b"])), p(&["/a", "/b"]));
        assert_eq!(merge_opened(p(&["/a", "/b"]), p(&["/c"])), p(&["/a", "/b"]));
        assert_eq!(merge_opened(p(&["/a"]), p(&[])), p(&["/a"]));
        assert_eq!(merge_opened(p(&[]), p(&["/a", "/b"])), p(&["/a", "/b"]));
    }

    #[test]
    fn help_names_the_usage_in_both_languages() {
        let en = help(framecast_core::Lang::En);
        let zh = help(framecast_core::Lang::Zh);
        assert!(en.contains("framecast [IMAGE [IMAGE]]") && en.contains("--version"));
        assert!(zh.contains("framecast [图片 [图片]]") && zh.contains("--version"));
        assert!(en.contains(env!("CARGO_PKG_VERSION")));
    }
}

//! `framecast-cli assemble`: takes joined into one MP4 without re-encoding (`--out`), and the cut
//! exported for editors (`--otio`, `--fcpxml`, `--edl`) with a sidecar of each shot's cut
//! (`--shots`). Each clip may carry a cut as `FILE@IN-OUT` in seconds (`beach.mp4@1.5-6`,
//! `beach.mp4@-4`, `beach.mp4@2-`). The joined file snaps cuts to keyframes and says where; the
//! exports keep them exact. Exit status: 0 done, 2 a clip or cut refused (nothing written), 1
//! anything else.

use crate::output::{json_line, pick};
use clap::Args;
use framecast_core::{Error, ErrorKind, ErrorReport, Lang, Result};
use framecast_timeline::{
    ClipSpec, JoinReport, Timeline, edl, fcpxml, join, otio, probe_all, sidecar, write_export,
};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct AssembleArgs {
    /// The takes in order, each optionally cut as FILE@IN-OUT (seconds; either side may be empty).
    #[arg(required = true, value_name = "CLIP[@IN-OUT]")]
    clips: Vec<String>,
    #[command(flatten)]
    outputs: Outputs,
    /// The timeline's name in the exports (default: the output's file name).
    #[arg(long)]
    name: Option<String>,
    /// Print the result as one JSON object.
    #[arg(long)]
    json: bool,
}

/// What `assemble` and `storyboard export` make: the joined MP4 and the cut for editors.
#[derive(Args)]
pub struct Outputs {
    /// Join the takes into one MP4, without re-encoding.
    #[arg(long, value_name = "FILE.mp4")]
    pub out: Option<PathBuf>,
    /// Export the cut as OpenTimelineIO.
    #[arg(long, value_name = "FILE.otio")]
    pub otio: Option<PathBuf>,
    /// Export the cut as FCPXML (Final Cut Pro, DaVinci Resolve).
    #[arg(long, value_name = "FILE.fcpxml")]
    pub fcpxml: Option<PathBuf>,
    /// Export the cut as a CMX 3600 EDL (Premiere, Resolve, Avid).
    #[arg(long, value_name = "FILE.edl")]
    pub edl: Option<PathBuf>,
    /// Write each shot's file, cut, prompt and job id as JSON.
    #[arg(long, value_name = "FILE.json")]
    pub shots: Option<PathBuf>,
}

impl Outputs {
    /// The exports asked for (not the MP4), each with its kind; refused when nothing at all is.
    pub fn exports(&self) -> Result<Vec<(&PathBuf, &'static str)>> {
        let exports: Vec<_> = [
            (&self.otio, "otio"),
            (&self.fcpxml, "fcpxml"),
            (&self.edl, "edl"),
            (&self.shots, "shots"),
        ]
        .into_iter()
        .filter_map(|(p, kind)| p.as_ref().map(|p| (p, kind)))
        .collect();
        if self.out.is_none() && exports.is_empty() {
            return Err(Error::invalid_input(
                "nothing to make: give --out, --otio, --fcpxml, --edl or --shots",
                "没有要生成的内容：请给出 --out、--otio、--fcpxml、--edl 或 --shots",
            ));
        }
        Ok(exports)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Done<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    joined: Option<&'a JoinReport>,
    exports: Vec<&'a Path>,
}

#[derive(Serialize)]
struct Failed {
    #[serde(rename = "type")]
    kind: &'static str,
    error: ErrorReport,
}

pub fn run(args: &AssembleArgs) -> ExitCode {
    let lang = Lang::from_env();
    match assemble(args) {
        Ok((joined, exports)) => {
            if args.json {
                json_line(&Done {
                    kind: "result",
                    joined: joined.as_ref(),
                    exports: exports.iter().map(PathBuf::as_path).collect(),
                });
            } else {
                print_summary(joined.as_ref(), &exports, lang);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            if args.json {
                json_line(&Failed {
                    kind: "error",
                    error: ErrorReport::from(&e),
                });
            }
            eprintln!("{}", e.message(lang));
            match e.kind() {
                ErrorKind::InvalidInput => ExitCode::from(2),
                _ => ExitCode::FAILURE,
            }
        }
    }
}

fn assemble(args: &AssembleArgs) -> Result<(Option<JoinReport>, Vec<PathBuf>)> {
    let outputs = &args.outputs;
    let exports = outputs.exports()?;
    let specs = args
        .clips
        .iter()
        .map(|c| parse_clip(c))
        .collect::<Result<Vec<_>>>()?;
    let probes = probe_all(&specs)?;
    let name = args.name.clone().unwrap_or_else(|| {
        outputs
            .out
            .as_ref()
            .or(exports.first().map(|e| e.0))
            .and_then(|p| p.file_stem())
            .map_or_else(|| "Framecast".into(), |s| s.to_string_lossy().into_owned())
    });
    let timeline = Timeline::new(name, &specs, &probes)?;
    let joined = match &outputs.out {
        Some(out) => Some(join(&specs, &probes, out)?),
        None => None,
    };
    let mut written = Vec::new();
    for (path, kind) in exports {
        let text = match kind {
            "otio" => otio::to_string(&timeline),
            "fcpxml" => fcpxml::to_string(&timeline),
            "edl" => edl::to_string(&timeline)?,
            _ => sidecar::to_string(&timeline),
        };
        write_export(path, &text)?;
        written.push(path.clone());
    }
    Ok((joined, written))
}

/// `FILE` or `FILE@IN-OUT`. A file whose own name ends in something like `@1-2` is taken whole.
fn parse_clip(arg: &str) -> Result<ClipSpec> {
    let whole = || ClipSpec::new(arg);
    if Path::new(arg).exists() {
        return Ok(whole());
    }
    let Some((path, cut)) = arg.rsplit_once('@') else {
        return Ok(whole());
    };
    let Some((from, to)) = cut.split_once('-') else {
        return Ok(whole());
    };
    let seconds = |s: &str| -> Option<Option<f64>> {
        if s.is_empty() {
            return Some(None);
        }
        let valid = s.chars().all(|c| c.is_ascii_digit() || c == '.');
        valid.then(|| s.parse::<f64>().ok()).flatten().map(Some)
    };
    match (seconds(from), seconds(to)) {
        (Some(in_point), Some(out_point)) if in_point.is_some() || out_point.is_some() => {
            Ok(ClipSpec {
                in_point,
                out_point,
                ..ClipSpec::new(path)
            })
        }
        _ if Path::new(path).exists() => Err(Error::invalid_input(
            format!("{arg:?}: the cut must be @IN-OUT in seconds, like @1.5-6, @-4 or @2-"),
            format!("{arg:?}：剪切点须写成以秒为单位的 @入点-出点，例如 @1.5-6、@-4 或 @2-"),
        )),
        _ => Ok(whole()),
    }
}

pub(crate) fn print_summary(joined: Option<&JoinReport>, exports: &[PathBuf], lang: Lang) {
    if let Some(r) = joined {
        let mb = r.bytes as f64 / 1_048_576.0;
        let path = r.path.display();
        let n = r.clips.len();
        match lang {
            Lang::En => println!(
                "Joined {n} takes into {path}: {:.3} s, {} frames, {mb:.1} MB, not re-encoded",
                r.duration, r.frames
            ),
            Lang::Zh => println!(
                "已将 {n} 个镜头拼接为 {path}：{:.3} 秒，{} 帧，{mb:.1} MB，未重新编码",
                r.duration, r.frames
            ),
        }
        for (i, c) in r.clips.iter().enumerate() {
            let snapped = (c.in_point - c.requested_in).abs() > 1e-6
                || (c.out_point - c.requested_out).abs() > 1e-6;
            let note = if snapped {
                match lang {
                    Lang::En => format!(
                        " (asked {:.3}–{:.3} s; snapped to keyframes)",
                        c.requested_in, c.requested_out
                    ),
                    Lang::Zh => format!(
                        "（要求 {:.3}–{:.3} 秒；已对齐到关键帧）",
                        c.requested_in, c.requested_out
                    ),
                }
            } else {
                String::new()
            };
            println!(
                "  {:>2}  {}  {:.3}–{:.3} s{} {} {:.3} s{note}",
                i + 1,
                c.file,
                c.in_point,
                c.out_point,
                pick(lang, ",", "，"),
                pick(lang, "at", "位于"),
                c.starts_at,
            );
        }
    }
    for path in exports {
        println!("{} {}", pick(lang, "Wrote", "已写入"), path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cut(arg: &str) -> (String, Option<f64>, Option<f64>) {
        let spec = parse_clip(arg).unwrap();
        (
            spec.path.display().to_string(),
            spec.in_point,
            spec.out_point,
        )
    }

    #[test]
    fn clips_take_a_cut_after_an_at_sign() {
        assert_eq!(cut("beach.mp4"), ("beach.mp4".into(), None, None));
        assert_eq!(
            cut("beach.mp4@1.5-6"),
            ("beach.mp4".into(), Some(1.5), Some(6.0))
        );
        assert_eq!(cut("beach.mp4@-4"), ("beach.mp4".into(), None, Some(4.0)));
        assert_eq!(cut("beach.mp4@2-"), ("beach.mp4".into(), Some(2.0), None));
        assert_eq!(cut("me@home.mp4"), ("me@home.mp4".into(), None, None));
        assert_eq!(cut("beach.mp4@-"), ("beach.mp4@-".into(), None, None));
    }
}

//! Whether takes can be joined without re-encoding, and if not, the one difference that stops it,
//! named: "clip 3 (c.mp4) is 1280×720, the others 720×1280".
//!
//! Takes join when their pictures share codec (H.264), profile, size, frame rate, pixel format
//! and orientation, and their sound (all or none of them have it) shares codec (AAC), sample rate
//! and channels. Encoder settings may differ: each distinct set of parameter sets gets its own sample
//! description in the joined file. Also here: checking a clip's requested in and out points.

use crate::probe::{Probe, Track};
use crate::text::Refusal;
use crate::timeline::Rate;
use framecast_core::{Error, Result};
use mp4_atom::Codec;

/// What must match between takes' pictures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoFormat {
    pub profile: u8,
    pub width: u32,
    pub height: u32,
    pub rate: Rate,
    pub chroma: u8,
    pub bit_depth: u8,
}

/// What must match between takes' sound.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioFormat {
    pub object_type: u8,
    pub sample_rate: u32,
    pub channels: u32,
}

/// The picture format of `probe`, refused if it is not H.264 or changes within the clip.
pub fn video_format(probe: &Probe) -> Result<VideoFormat> {
    let track = &probe.video;
    let duration = track.usual_duration();
    let rate = Rate::new(u64::from(track.timescale), u64::from(duration)).ok_or_else(|| {
        Refusal::new("has pictures without durations", "的画面没有时长信息").about(&probe.clip)
    })?;
    let mut format: Option<VideoFormat> = None;
    for codec in &track.entries {
        let this = match codec {
            Codec::Avc1(avc1) => {
                avc_format(&avc1.avcc, avc1.visual.width, avc1.visual.height, rate)
            }
            other => {
                return Err(Refusal::new(
                    format!(
                        "has {} video; only H.264 can be joined without re-encoding",
                        codec_name(other)
                    ),
                    format!(
                        "的视频是 {}；只有 H.264 能不重新编码而拼接",
                        codec_name(other)
                    ),
                )
                .about(&probe.clip));
            }
        };
        match &format {
            Some(f) if *f != this => {
                return Err(Refusal::new(
                    "changes picture format partway through",
                    "的画面格式中途发生变化",
                )
                .about(&probe.clip));
            }
            Some(_) => {}
            None => format = Some(this),
        }
    }
    format.ok_or_else(|| {
        Refusal::new("has no picture description", "没有画面格式描述").about(&probe.clip)
    })
}

fn avc_format(avcc: &mp4_atom::Avcc, width: u16, height: u16, rate: Rate) -> VideoFormat {
    let (chroma, bit_depth) = match &avcc.ext {
        Some(ext) => (ext.chroma_format, ext.bit_depth_luma),
        None => avcc
            .sequence_parameter_sets
            .first()
            .and_then(|sps| sps_pixel_format(sps))
            .unwrap_or((1, 8)),
    };
    VideoFormat {
        profile: avcc.avc_profile_indication,
        width: u32::from(width),
        height: u32::from(height),
        rate,
        chroma,
        bit_depth,
    }
}

/// Chroma format and luma bit depth from an SPS NAL unit (with its header byte), for an `avcC`
/// without the extension that carries them (mp4-atom does not build its SPS parser). Profiles
/// below High are 4:2:0 8-bit.
fn sps_pixel_format(nal: &[u8]) -> Option<(u8, u8)> {
    let profile = *nal.get(1)?;
    if !matches!(
        profile,
        100 | 110 | 122 | 244 | 44 | 83 | 86 | 118 | 128 | 138 | 139 | 134 | 135
    ) {
        return Some((1, 8));
    }
    // The RBSP after profile_idc, constraint flags and level_idc, without emulation prevention.
    let mut rbsp = Vec::with_capacity(nal.len());
    let mut zeros = 0;
    for &b in nal.get(4..)? {
        if zeros >= 2 && b == 3 {
            zeros = 0;
            continue;
        }
        zeros = if b == 0 { zeros + 1 } else { 0 };
        rbsp.push(b);
    }
    let mut bits = Bits { data: &rbsp, at: 0 };
    bits.ue()?; // seq_parameter_set_id
    let chroma = bits.ue()?;
    if chroma == 3 {
        bits.bit()?; // separate_colour_plane_flag
    }
    let depth = bits.ue()? + 8;
    Some((u8::try_from(chroma).ok()?, u8::try_from(depth).ok()?))
}

/// An exp-Golomb bit reader.
struct Bits<'a> {
    data: &'a [u8],
    at: usize,
}

impl Bits<'_> {
    fn bit(&mut self) -> Option<u32> {
        let byte = self.data.get(self.at / 8)?;
        let bit = (byte >> (7 - self.at % 8)) & 1;
        self.at += 1;
        Some(u32::from(bit))
    }

    fn ue(&mut self) -> Option<u32> {
        let mut zeros = 0;
        while self.bit()? == 0 {
            zeros += 1;
            if zeros > 31 {
                return None;
            }
        }
        let mut value = 1u64;
        for _ in 0..zeros {
            value = (value << 1) | u64::from(self.bit()?);
        }
        u32::try_from(value - 1).ok()
    }
}

/// The sound format of `probe`, if it has sound it can describe.
pub fn audio_format(probe: &Probe) -> Option<AudioFormat> {
    probe.audio.as_ref().and_then(track_audio_format)
}

fn track_audio_format(track: &Track) -> Option<AudioFormat> {
    match track.entries.first()? {
        Codec::Mp4a(mp4a) => {
            let specific = mp4a.esds.es_desc.dec_config.dec_specific.as_ref();
            let channels = specific
                .map(|d| u32::from(d.chan_conf))
                .filter(|&c| c > 0)
                .unwrap_or(u32::from(mp4a.audio.channel_count));
            Some(AudioFormat {
                object_type: specific.map_or(0, |d| d.profile),
                sample_rate: u32::from(mp4a.audio.sample_rate.integer()),
                channels,
            })
        }
        _ => None,
    }
}

fn codec_name(codec: &Codec) -> String {
    match codec {
        Codec::Hev1(_) | Codec::Hvc1(_) => "H.265".into(),
        Codec::Av01(_) => "AV1".into(),
        Codec::Vp09(_) => "VP9".into(),
        Codec::Vp08(_) => "VP8".into(),
        Codec::Mp4a(_) => "AAC".into(),
        Codec::Opus(_) => "Opus".into(),
        Codec::Unknown(kind, _) => format!("“{kind}”"),
        _ => "non-H.264".into(),
    }
}

fn profile_name(profile: u8) -> String {
    match profile {
        66 => "H.264 Baseline".into(),
        77 => "H.264 Main".into(),
        88 => "H.264 Extended".into(),
        100 => "H.264 High".into(),
        110 => "H.264 High 10".into(),
        122 => "H.264 High 4:2:2".into(),
        244 => "H.264 High 4:4:4".into(),
        p => format!("H.264 profile {p}"),
    }
}

fn pixel_name(chroma: u8, depth: u8) -> String {
    let sub = match chroma {
        0 => "monochrome",
        1 => "4:2:0",
        2 => "4:2:2",
        _ => "4:4:4",
    };
    format!("{sub} {depth}-bit")
}

/// How a track's display matrix turns its pictures, in English and Chinese.
fn rotation(m: &mp4_atom::Matrix) -> (String, String) {
    const ONE: i32 = 0x10000;
    let (en, zh) = match (m.a, m.b, m.c, m.d) {
        (ONE, 0, 0, ONE) => ("shown as stored", "按原样显示"),
        (0, ONE, x, 0) if x == -ONE => ("turned 90°", "旋转了 90°"),
        (x, 0, 0, y) if x == -ONE && y == -ONE => ("turned 180°", "旋转了 180°"),
        (0, x, ONE, 0) if x == -ONE => ("turned 270°", "旋转了 270°"),
        (a, b, c, d) => {
            let m = format!("[{a} {b}; {c} {d}]");
            return (
                format!("transformed by the matrix {m}"),
                format!("经矩阵 {m} 变换"),
            );
        }
    };
    (en.into(), zh.into())
}

/// One property every take must share, as each clip has it.
struct Property {
    /// "is 1280×720" / "是 1280×720", per clip.
    values: Vec<(String, String)>,
}

/// Refuses takes that cannot be joined without re-encoding, naming the first difference.
pub fn check(probes: &[Probe]) -> Result<()> {
    let video = probes
        .iter()
        .map(video_format)
        .collect::<Result<Vec<_>>>()?;
    let audio: Vec<Option<AudioFormat>> = probes.iter().map(audio_format).collect();
    for (probe, a) in probes.iter().zip(&audio) {
        if probe.audio.is_some() && a.is_none() {
            let name = probe
                .audio
                .as_ref()
                .and_then(|t| t.entries.first())
                .map_or_else(|| "unknown".into(), codec_name);
            return Err(Refusal::new(
                format!("has {name} sound; only AAC can be joined without re-encoding"),
                format!("的声音是 {name}；只有 AAC 能不重新编码而拼接"),
            )
            .about(&probe.clip));
        }
    }
    let props = [
        Property {
            values: video
                .iter()
                .map(|v| {
                    let p = profile_name(v.profile);
                    (format!("is {p}"), format!("是 {p}"))
                })
                .collect(),
        },
        Property {
            values: video
                .iter()
                .map(|v| {
                    let s = format!("{}×{}", v.width, v.height);
                    (format!("is {s}"), format!("是 {s}"))
                })
                .collect(),
        },
        Property {
            values: video
                .iter()
                .map(|v| (format!("is {}", v.rate), format!("是 {}", v.rate)))
                .collect(),
        },
        Property {
            values: video
                .iter()
                .map(|v| {
                    let p = pixel_name(v.chroma, v.bit_depth);
                    (format!("is {p}"), format!("是 {p}"))
                })
                .collect(),
        },
        Property {
            values: probes
                .iter()
                .map(|p| {
                    let (en, zh) = rotation(&p.video.trak.tkhd.matrix);
                    (format!("is {en}"), zh)
                })
                .collect(),
        },
        Property {
            values: audio
                .iter()
                .map(|a| match a {
                    Some(_) => ("has sound".into(), "有声音".into()),
                    None => ("has no sound".into(), "没有声音".into()),
                })
                .collect(),
        },
        Property {
            values: audio
                .iter()
                .map(|a| match a {
                    Some(a) if a.object_type == 2 => {
                        ("has AAC-LC sound".into(), "的声音是 AAC-LC".into())
                    }
                    Some(a) => (
                        format!("has AAC sound of object type {}", a.object_type),
                        format!("的声音是对象类型为 {} 的 AAC", a.object_type),
                    ),
                    None => (String::new(), String::new()),
                })
                .collect(),
        },
        Property {
            values: audio
                .iter()
                .map(|a| match a {
                    Some(a) => (
                        format!("has sound at {} Hz", a.sample_rate),
                        format!("的声音采样率是 {} Hz", a.sample_rate),
                    ),
                    None => (String::new(), String::new()),
                })
                .collect(),
        },
        Property {
            values: audio
                .iter()
                .map(|a| match a {
                    Some(a) => (
                        format!("has {}-channel sound", a.channels),
                        format!("的声音是 {} 声道", a.channels),
                    ),
                    None => (String::new(), String::new()),
                })
                .collect(),
        },
    ];
    for prop in &props {
        if let Some(e) = difference(probes, &prop.values) {
            return Err(e);
        }
    }
    Ok(())
}

/// The refusal for the first clip whose value differs from the most common one, if any.
fn difference(probes: &[Probe], values: &[(String, String)]) -> Option<Error> {
    let mut groups: Vec<(&(String, String), Vec<usize>)> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match groups.iter_mut().find(|(g, _)| *g == v) {
            Some((_, members)) => members.push(i),
            None => groups.push((v, vec![i])),
        }
    }
    if groups.len() < 2 {
        return None;
    }
    // The most common value stands for "the others"; on a tie, the first clip's.
    let (common_at, _) = groups
        .iter()
        .enumerate()
        .max_by_key(|(at, (_, m))| (m.len(), std::cmp::Reverse(*at)))?;
    let (common, members) = &groups[common_at];
    let (odd, odd_members) = groups
        .iter()
        .enumerate()
        .find(|(at, _)| *at != common_at)
        .map(|(_, g)| g)?;
    let first_odd = &probes[*odd_members.first()?].clip;
    let (en, zh) = if members.len() == 1 {
        let other = &probes[members[0]].clip;
        (
            format!("{} {}, {} {}", first_odd.en(), odd.0, other.en(), common.0),
            format!("{}{}，{}{}", first_odd.zh(), odd.1, other.zh(), common.1),
        )
    } else {
        (
            format!(
                "{} {}, the others {}",
                first_odd.en(),
                odd.0,
                strip_verb(&common.0)
            ),
            format!("{}{}，其余片段{}", first_odd.zh(), odd.1, common.1),
        )
    };
    Some(Error::invalid_input(
        format!("{en}; the takes cannot be joined without re-encoding"),
        format!("{zh}；这些镜头不重新编码就无法拼接"),
    ))
}

/// "is 720×1280" → "720×1280", "has sound at 48000 Hz" → "have sound at 48000 Hz".
fn strip_verb(en: &str) -> String {
    if let Some(rest) = en.strip_prefix("is ") {
        rest.to_owned()
    } else if let Some(rest) = en.strip_prefix("has ") {
        format!("have {rest}")
    } else {
        en.to_owned()
    }
}

/// The clip's cut in seconds on its own clock, checked against its `length`: in before out,
/// both inside the clip (an out point up to half a frame past the end is taken as the end).
pub fn checked_cut(
    probe: &Probe,
    in_point: Option<f64>,
    out_point: Option<f64>,
    length: f64,
) -> Result<(f64, f64)> {
    let start = in_point.unwrap_or(0.0);
    let end = out_point.unwrap_or(length);
    let slack = f64::from(probe.video.usual_duration()) / f64::from(probe.video.timescale) / 2.0;
    let refuse = |en: String, zh: String| Refusal::new(en, zh).about(&probe.clip);
    if !start.is_finite() || start < 0.0 {
        return Err(refuse(
            format!("has an in point ({start} s) before its start"),
            format!("的入点（{start} 秒）早于片段开头"),
        ));
    }
    if start >= length {
        return Err(refuse(
            format!("has an in point ({start} s) at or past its end ({length:.3} s)"),
            format!("的入点（{start} 秒）不早于片段结尾（{length:.3} 秒）"),
        ));
    }
    if !end.is_finite() || end > length + slack {
        return Err(refuse(
            format!("has an out point ({end} s) past its end ({length:.3} s)"),
            format!("的出点（{end} 秒）晚于片段结尾（{length:.3} 秒）"),
        ));
    }
    if end <= start {
        return Err(refuse(
            format!("has an out point ({end} s) that is not after its in point ({start} s)"),
            format!("的出点（{end} 秒）不晚于入点（{start} 秒）"),
        ));
    }
    Ok((start, end.min(length)))
}

//! Reads what a clip holds: its video track and its first sound track, each as a sample table in
//! decode order (where every sample's bytes are, when it is decoded and shown, whether it is a
//! keyframe, which sample description it uses).
//!
//! Only the `moov` box is read into memory; the media data is never touched here, only checked to
//! lie inside the file. The top-level boxes are walked here by their headers alone (mp4-atom's
//! readers would load an `mdat` whole); the `moov` is decoded by mp4-atom. A clip that is not an MP4, has no `moov` (a download cut short), has no
//! video, or whose tables do not add up is refused with its name and the reason, before anything
//! is written.

use crate::text::{Clip, Refusal};
use framecast_core::Result;
use mp4_atom::{Codec, Decode, FourCC, Moov, StszSamples, Trak};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The largest `moov` read: 8 minutes of 4K video at 60 fps has a `moov` of a few megabytes.
const MAX_MOOV: u64 = 256 << 20;

/// What one clip holds.
#[derive(Debug)]
pub struct Probe {
    pub path: PathBuf,
    /// Its position in the sequence and its file name, for messages.
    pub clip: Clip,
    pub video: Track,
    pub audio: Option<Track>,
}

/// One track: its boxes (sample tables emptied) and its samples in decode order.
#[derive(Debug)]
pub struct Track {
    /// The original track, kept for its headers (`tkhd`, `mdhd`, `hdlr`, `vmhd`/`smhd`, `dinf`).
    pub trak: Trak,
    pub timescale: u32,
    pub entries: Vec<Codec>,
    pub samples: Vec<Sample>,
    /// The composition time shown at the start of the track (the edit list's media time), and
    /// the delay before it (a leading empty edit), both in the track's timescale.
    pub shift: i64,
    pub delay: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub offset: u64,
    pub size: u32,
    /// Decode time, in the track's timescale.
    pub dts: i64,
    pub duration: u32,
    /// Composition offset (`ctts`).
    pub cts: i32,
    pub sync: bool,
    /// Zero-based index into [`Track::entries`].
    pub entry: u32,
    /// Zero-based chunk number in the source file.
    pub chunk: u32,
}

impl Track {
    /// When `sample` is shown, on the clip's own clock (0 = the clip's first picture or sound).
    pub fn shown(&self, sample: &Sample) -> i64 {
        sample.dts + i64::from(sample.cts) - self.shift + self.delay
    }

    /// When the last sample shown ends.
    pub fn end(&self) -> i64 {
        self.samples
            .iter()
            .map(|s| self.shown(s) + i64::from(s.duration))
            .max()
            .unwrap_or(0)
    }

    /// The usual sample duration (the most common one).
    pub fn usual_duration(&self) -> u32 {
        let mut counts: Vec<(u32, usize)> = Vec::new();
        for s in &self.samples {
            match counts.iter_mut().find(|(d, _)| *d == s.duration) {
                Some((_, n)) => *n += 1,
                None => counts.push((s.duration, 1)),
            }
        }
        counts
            .into_iter()
            .max_by_key(|&(d, n)| (n, d))
            .map_or(0, |(d, _)| d)
    }

    pub fn handler(&self) -> FourCC {
        self.trak.mdia.hdlr.handler
    }
}

/// Reads clip number `index` (from 1) at `path`.
pub fn probe(path: &Path, index: usize) -> Result<Probe> {
    let clip = Clip::new(index, path);
    let refuse = |r: Refusal| r.about(&clip);
    let mut file = File::open(path).map_err(|e| refuse(Refusal::unreadable(&e)))?;
    let len = file
        .metadata()
        .map_err(|e| refuse(Refusal::unreadable(&e)))?
        .len();
    let moov = read_moov(&mut file, len).map_err(refuse)?;
    let moov = Moov::decode(&mut moov.as_slice()).map_err(|e| {
        refuse(Refusal::new(
            format!("has an index (moov box) that cannot be read: {e}"),
            format!("的索引（moov box）无法解析：{e}"),
        ))
    })?;
    if moov.mvex.is_some() {
        return Err(refuse(Refusal::new(
            "is a fragmented MP4, which cannot be joined",
            "是分片 MP4，无法拼接",
        )));
    }
    let movie_timescale = moov.mvhd.timescale;
    let mut video = None;
    let mut audio = None;
    for trak in moov.trak {
        let handler = trak.mdia.hdlr.handler;
        if handler == FourCC::new(b"vide") && video.is_none() {
            video = Some(trak);
        } else if handler == FourCC::new(b"soun") && audio.is_none() {
            audio = Some(trak);
        }
    }
    let Some(video) = video else {
        return Err(refuse(Refusal::new("has no video track", "没有视频轨道")));
    };
    let video = track(video, movie_timescale, len).map_err(refuse)?;
    if video.samples.is_empty() {
        return Err(refuse(Refusal::new(
            "has a video track with no pictures",
            "的视频轨道中没有画面",
        )));
    }
    let audio = audio
        .map(|t| track(t, movie_timescale, len))
        .transpose()
        .map_err(refuse)?
        .filter(|t| !t.samples.is_empty());
    Ok(Probe {
        path: path.to_path_buf(),
        clip,
        video,
        audio,
    })
}

/// The bytes of the `moov` box, found by walking the top-level boxes.
fn read_moov(file: &mut File, len: u64) -> Result<Vec<u8>, Refusal> {
    let io = |e: std::io::Error| Refusal::unreadable(&e);
    let mut pos = 0u64;
    let mut first = true;
    while pos < len {
        file.seek(SeekFrom::Start(pos)).map_err(io)?;
        let mut head = [0u8; 16];
        let want = if len - pos >= 16 { 16 } else { 8 };
        if len - pos < 8 {
            break;
        }
        file.read_exact(&mut head[..want]).map_err(io)?;
        let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
        let kind = [head[4], head[5], head[6], head[7]];
        if first && !is_top_level(&kind) {
            return Err(Refusal::new("is not an MP4 file", "不是 MP4 文件"));
        }
        first = false;
        let (header, size) = match size32 {
            0 => (8, len - pos),
            1 if want == 16 => (
                16,
                u64::from_be_bytes([
                    head[8], head[9], head[10], head[11], head[12], head[13], head[14], head[15],
                ]),
            ),
            1 => return Err(truncated()),
            n => (8, u64::from(n)),
        };
        if size < header {
            return Err(Refusal::new(
                "is damaged: a box has an impossible size",
                "已损坏：某个 box 的大小不可能成立",
            ));
        }
        if &kind == b"moov" {
            if pos + size > len {
                return Err(truncated());
            }
            if size > MAX_MOOV {
                return Err(Refusal::new(
                    "has an implausibly large index (moov box)",
                    "的索引（moov box）大得不合常理",
                ));
            }
            file.seek(SeekFrom::Start(pos)).map_err(io)?;
            let mut moov = vec![0u8; usize::try_from(size).map_err(|_| truncated())?];
            file.read_exact(&mut moov).map_err(io)?;
            return Ok(moov);
        }
        pos = pos.saturating_add(size);
    }
    if first {
        return Err(Refusal::new("is not an MP4 file", "不是 MP4 文件"));
    }
    Err(truncated())
}

fn truncated() -> Refusal {
    Refusal::new(
        "is truncated: it has no complete index (moov box); was its download finished?",
        "不完整：没有完整的索引（moov box），下载是否已完成？",
    )
}

fn is_top_level(kind: &[u8; 4]) -> bool {
    matches!(
        kind,
        b"ftyp" | b"moov" | b"mdat" | b"free" | b"skip" | b"wide" | b"pdin" | b"uuid" | b"meta"
    )
}

/// Expands a track's run-length tables into one entry per sample.
fn track(mut trak: Trak, movie_timescale: u32, file_len: u64) -> Result<Track, Refusal> {
    let kind = trak.mdia.hdlr.handler;
    let damaged = |what: &str| {
        Refusal::new(
            format!("has a damaged {kind} track: {what}"),
            format!("的 {kind} 轨道已损坏：{what}"),
        )
    };
    let timescale = trak.mdia.mdhd.timescale;
    if timescale == 0 {
        return Err(damaged("its timescale is 0"));
    }
    let stbl = std::mem::take(&mut trak.mdia.minf.stbl);

    let sizes: Vec<u32> = match stbl.stsz.samples {
        StszSamples::Identical { count, size } => vec![size; count as usize],
        StszSamples::Different { sizes } => sizes,
    };
    let count = sizes.len();

    let mut durations = Vec::with_capacity(count);
    for e in &stbl.stts.entries {
        durations.extend(std::iter::repeat_n(e.sample_delta, e.sample_count as usize));
        if durations.len() > count {
            return Err(damaged("more durations than samples"));
        }
    }
    if durations.len() != count {
        return Err(damaged("fewer durations than samples"));
    }

    let mut offsets_cts = Vec::with_capacity(if stbl.ctts.is_some() { count } else { 0 });
    if let Some(ctts) = &stbl.ctts {
        for e in &ctts.entries {
            let off = i32::try_from(e.sample_offset)
                .map_err(|_| damaged("a composition offset out of range"))?;
            offsets_cts.extend(std::iter::repeat_n(off, e.sample_count as usize));
            if offsets_cts.len() > count {
                return Err(damaged("more composition offsets than samples"));
            }
        }
        // A short ctts leaves the last samples at offset 0, as readers do.
        offsets_cts.resize(count, 0);
    }

    let chunk_offsets: Vec<u64> = match (&stbl.co64, &stbl.stco) {
        (Some(co64), _) => co64.entries.clone(),
        (None, Some(stco)) => stco.entries.iter().map(|&o| u64::from(o)).collect(),
        (None, None) => return Err(damaged("no chunk offsets")),
    };

    let mut samples = Vec::with_capacity(count);
    let stsc = &stbl.stsc.entries;
    let mut next = 0usize;
    let mut dts = 0i64;
    for (i, run) in stsc.iter().enumerate() {
        let first = run
            .first_chunk
            .checked_sub(1)
            .ok_or_else(|| damaged("chunk 0"))? as usize;
        let last = match stsc.get(i + 1) {
            Some(n) => (n.first_chunk.saturating_sub(1) as usize).min(chunk_offsets.len()),
            None => chunk_offsets.len(),
        };
        let entry = run
            .sample_description_index
            .checked_sub(1)
            .ok_or_else(|| damaged("sample description 0"))?;
        if entry as usize >= stbl.stsd.codecs.len() {
            return Err(damaged("a sample description that does not exist"));
        }
        for (chunk, &start) in chunk_offsets.iter().enumerate().take(last).skip(first) {
            let mut offset = start;
            for _ in 0..run.samples_per_chunk {
                if next >= count {
                    break;
                }
                let size = sizes[next];
                if offset.saturating_add(u64::from(size)) > file_len {
                    return Err(Refusal::new(
                        "is truncated: its pictures or sound run past the end of the file",
                        "不完整：画面或声音数据超出了文件末尾",
                    ));
                }
                samples.push(Sample {
                    offset,
                    size,
                    dts,
                    duration: durations[next],
                    cts: offsets_cts.get(next).copied().unwrap_or(0),
                    sync: stbl.stss.is_none(),
                    entry,
                    chunk: chunk as u32,
                });
                dts += i64::from(durations[next]);
                offset += u64::from(size);
                next += 1;
            }
        }
    }
    if samples.len() != count {
        return Err(damaged("the chunk table does not cover every sample"));
    }
    if let Some(stss) = &stbl.stss {
        for &n in &stss.entries {
            let s = n
                .checked_sub(1)
                .and_then(|i| samples.get_mut(i as usize))
                .ok_or_else(|| damaged("a keyframe that does not exist"))?;
            s.sync = true;
        }
    }

    let (shift, delay) = edit(&trak, movie_timescale, timescale, &samples)
        .ok_or_else(|| {
            Refusal::new(
                format!("has a {kind} edit list with several segments or a changed speed, which cannot be joined without re-encoding"),
                format!("的 {kind} 轨道编辑列表含多个片段或变速，不重新编码就无法拼接"),
            )
        })?;

    Ok(Track {
        trak,
        timescale,
        entries: stbl.stsd.codecs,
        samples,
        shift,
        delay,
    })
}

/// The edit list as (media time shown first, delay before it), or `None` for edits that are more
/// than one segment (optionally after an empty one) at normal speed. Without an edit list, the
/// earliest composition time is shown first, as players do.
fn edit(
    trak: &Trak,
    movie_timescale: u32,
    timescale: u32,
    samples: &[Sample],
) -> Option<(i64, i64)> {
    let earliest = samples
        .iter()
        .map(|s| s.dts + i64::from(s.cts))
        .min()
        .unwrap_or(0);
    let Some(elst) = trak.edts.as_ref().and_then(|e| e.elst.as_ref()) else {
        return Some((earliest, 0));
    };
    let mut delay = 0i64;
    let mut media = None;
    for e in &elst.entries {
        match e.media_time {
            None if media.is_none() => {
                let d = i128::from(e.segment_duration) * i128::from(timescale)
                    / i128::from(movie_timescale.max(1));
                delay += i64::try_from(d).ok()?;
            }
            None => {}
            Some(t) => {
                if media.is_some() || e.media_rate.integer() != 1 || e.media_rate.decimal() != 0 {
                    return None;
                }
                media = Some(i64::try_from(t).ok()?);
            }
        }
    }
    Some((media.unwrap_or(earliest), delay))
}

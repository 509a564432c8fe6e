//! Writes a planned join as one MP4: `ftyp`, `moov`, then `mdat` (faststart: a player or browser
//! can start before the whole file has arrived).
//!
//! The boxes are built and encoded with `mp4-atom`; only the `mdat` header and the copy (with any
//! in-band parameter sets the plan asks for) are done here. No MP4 crate writes the `mdat` from the takes' files as a stream, which is what keeps
//! memory flat: the sample tables are the only thing held, the media bytes go from each take's
//! file to the output in the largest contiguous runs the plan allows (on Linux, in the kernel,
//! with `copy_file_range`).
//!
//! The file is written under a temporary name in the target folder and renamed into place only
//! when complete; on any failure the temporary file is removed and nothing is left behind.

use crate::join::{OutChunk, OutTrack, Plan};
use crate::probe::Probe;
use crate::text::Refusal;
use framecast_core::{Error, Result, Text};
use mp4_atom::{
    Co64, Ctts, CttsEntry, Edts, Elst, ElstEntry, Encode, FixedPoint, FourCC, Ftyp, Moov, Mvhd,
    Stbl, Stco, Stsc, StscEntry, Stsd, Stss, Stsz, StszSamples, Stts, SttsEntry, Trak,
};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Writes `plan` to `out`, reading the media from `probes`' files. Returns the file's size.
pub(crate) fn write(plan: &Plan<'_>, probes: &[Probe], out: &Path) -> Result<u64> {
    let payload: u64 = plan.chunks.iter().map(|c| written_len(plan, c)).sum();
    let ftyp = encode(&Ftyp {
        major_brand: FourCC::new(b"isom"),
        minor_version: 512,
        compatible_brands: [b"isom", b"iso2", b"avc1", b"mp41"]
            .into_iter()
            .map(FourCC::new)
            .collect(),
    })?;
    let mdat_header: u64 = if payload + 8 > u64::from(u32::MAX) {
        16
    } else {
        8
    };

    // The chunk offsets depend on the moov's size, which depends on whether they need 64 bits.
    let mut wide = false;
    let mut moov = encode(&movie(plan, 0, wide))?;
    let mut data_start = ftyp.len() as u64 + moov.len() as u64 + mdat_header;
    if data_start + payload > u64::from(u32::MAX) {
        wide = true;
        moov = encode(&movie(plan, 0, wide))?;
        data_start = ftyp.len() as u64 + moov.len() as u64 + mdat_header;
    }
    let sized = moov.len();
    moov = encode(&movie(plan, data_start, wide))?;
    if moov.len() != sized {
        return Err(internal(
            "the index changed size when its offsets were filled in",
        ));
    }

    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = out
        .file_name()
        .map_or_else(|| "joined".into(), |n| n.to_string_lossy().into_owned());
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let tmp = builder.tempfile_in(dir).map_err(|e| {
        let dir = dir.display();
        Error::invalid_input(
            format!("cannot write the joined video into {dir}: {e}"),
            format!("无法在 {dir} 中写入拼接后的视频：{e}"),
        )
    })?;
    let fail = |e: std::io::Error| write_failed(out, &e);

    let mut file = tmp.as_file();
    file.write_all(&ftyp).map_err(fail)?;
    file.write_all(&moov).map_err(fail)?;
    let mut head = Vec::with_capacity(16);
    if mdat_header == 16 {
        head.extend_from_slice(&1u32.to_be_bytes());
        head.extend_from_slice(b"mdat");
        head.extend_from_slice(&(payload + 16).to_be_bytes());
    } else {
        head.extend_from_slice(&((payload + 8) as u32).to_be_bytes());
        head.extend_from_slice(b"mdat");
    }
    file.write_all(&head).map_err(fail)?;
    copy_media(plan, probes, &mut file, out)?;
    let size = data_start + payload;
    let written = file.stream_position().map_err(fail)?;
    if written != size {
        return Err(internal("the joined file's size is not the planned one"));
    }
    tmp.persist(out).map_err(|e| write_failed(out, &e.error))?;
    Ok(size)
}

/// A chunk's size in the joined file: its samples, and the parameter sets written before them.
fn written_len(plan: &Plan<'_>, chunk: &OutChunk) -> u64 {
    let prefix = chunk
        .prefix
        .and_then(|p| plan.parameter_sets.get(p as usize))
        .map_or(0, Vec::len);
    chunk.len + prefix as u64
}

/// Copies the chunks' bytes in order, merging runs that are contiguous in one source file, and
/// writes in-band parameter sets where a chunk asks for them.
fn copy_media(plan: &Plan<'_>, probes: &[Probe], out: &mut &File, path: &Path) -> Result<()> {
    let chunks = &plan.chunks;
    let mut open: Option<(usize, File)> = None;
    let mut i = 0;
    while i < chunks.len() {
        let first = chunks[i];
        if let Some(set) = first
            .prefix
            .and_then(|p| plan.parameter_sets.get(p as usize))
        {
            out.write_all(set).map_err(|e| write_failed(path, &e))?;
        }
        let mut len = first.len;
        let mut j = i + 1;
        while let Some(next) = chunks.get(j) {
            if next.clip != first.clip
                || next.src_offset != first.src_offset + len
                || next.prefix.is_some()
            {
                break;
            }
            len += next.len;
            j += 1;
        }
        let probe = &probes[first.clip];
        let source = match &mut open {
            Some((clip, file)) if *clip == first.clip => file,
            _ => {
                let file = File::open(&probe.path)
                    .map_err(|e| Refusal::unreadable(&e).about(&probe.clip))?;
                &mut open.insert((first.clip, file)).1
            }
        };
        source
            .seek(SeekFrom::Start(first.src_offset))
            .map_err(|e| Refusal::unreadable(&e).about(&probe.clip))?;
        let copied = std::io::copy(&mut Read::by_ref(source).take(len), out)
            .map_err(|e| write_failed(path, &e))?;
        if copied != len {
            return Err(Refusal::new(
                "became shorter while it was being joined",
                "在拼接过程中变短了",
            )
            .about(&probe.clip));
        }
        i = j;
    }
    Ok(())
}

fn encode(atom: &impl Encode) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    atom.encode(&mut buf)
        .map_err(|e| internal(&format!("an MP4 box could not be encoded: {e}")))?;
    Ok(buf)
}

/// The `moov` for `plan`, with chunk offsets counted from `data_start`.
fn movie(plan: &Plan<'_>, data_start: u64, wide: bool) -> Moov {
    let timescale = plan.video.timescale;
    let mut offsets: [Vec<u64>; 2] = [Vec::new(), Vec::new()];
    let mut runs: [Vec<(u32, u32)>; 2] = [Vec::new(), Vec::new()];
    let mut at = data_start;
    for c in &plan.chunks {
        offsets[c.track].push(at);
        runs[c.track].push((c.count, c.entry));
        at += written_len(plan, c);
    }
    let [video_offsets, audio_offsets] = offsets;
    let [video_runs, audio_runs] = runs;
    let mut trak = vec![track(
        &plan.video,
        1,
        timescale,
        video_offsets,
        &video_runs,
        wide,
    )];
    if let Some(audio) = &plan.audio {
        trak.push(track(audio, 2, timescale, audio_offsets, &audio_runs, wide));
    }
    let duration = trak.iter().map(|t| t.tkhd.duration).max().unwrap_or(0);
    Moov {
        mvhd: Mvhd {
            timescale,
            duration,
            rate: FixedPoint::new(1, 0),
            volume: FixedPoint::new(1, 0),
            next_track_id: trak.len() as u32 + 1,
            ..Mvhd::default()
        },
        trak,
        ..Moov::default()
    }
}

fn track(
    t: &OutTrack<'_>,
    id: u32,
    movie_timescale: u32,
    offsets: Vec<u64>,
    runs: &[(u32, u32)],
    wide: bool,
) -> Trak {
    let to_movie = |v: i64| -> u64 {
        (i128::from(v.max(0)) * i128::from(movie_timescale) / i128::from(t.timescale)) as u64
    };
    let shown = to_movie(t.shown);
    let mut trak = t.template.trak.clone();
    trak.tkhd.track_id = id;
    trak.tkhd.duration = shown;
    trak.tkhd.enabled = true;
    trak.tkhd.in_movie = true;
    trak.edts = Some(Edts {
        elst: Some(Elst {
            entries: vec![ElstEntry {
                segment_duration: shown,
                media_time: Some(t.shift.max(0) as u64),
                media_rate: FixedPoint::new(1, 0),
            }],
        }),
    });
    trak.meta = None;
    trak.udta = None;
    trak.tref = None;
    trak.senc = None;
    trak.mdia.mdhd.timescale = t.timescale;
    trak.mdia.mdhd.duration = t.samples.iter().map(|s| u64::from(s.duration)).sum();
    trak.mdia.minf.stbl = table(t, offsets, runs, wide);
    trak
}

fn table(t: &OutTrack<'_>, offsets: Vec<u64>, runs: &[(u32, u32)], wide: bool) -> Stbl {
    let mut stts: Vec<SttsEntry> = Vec::new();
    let mut ctts: Vec<CttsEntry> = Vec::new();
    for s in &t.samples {
        match stts.last_mut() {
            Some(e) if e.sample_delta == s.duration => e.sample_count += 1,
            _ => stts.push(SttsEntry {
                sample_count: 1,
                sample_delta: s.duration,
            }),
        }
        match ctts.last_mut() {
            Some(e) if e.sample_offset == s.cts => e.sample_count += 1,
            _ => ctts.push(CttsEntry {
                sample_count: 1,
                sample_offset: s.cts,
            }),
        }
    }
    let ctts = (ctts.iter().any(|e| e.sample_offset != 0)).then_some(Ctts { entries: ctts });
    let stss = t.samples.iter().any(|s| !s.sync).then(|| Stss {
        entries: t
            .samples
            .iter()
            .enumerate()
            .filter(|(_, s)| s.sync)
            .map(|(i, _)| i as u32 + 1)
            .collect(),
    });
    let mut stsc: Vec<StscEntry> = Vec::new();
    for (i, &(count, entry)) in runs.iter().enumerate() {
        let same = stsc.last().is_some_and(|e| {
            e.samples_per_chunk == count && e.sample_description_index == entry + 1
        });
        if !same {
            stsc.push(StscEntry {
                first_chunk: i as u32 + 1,
                samples_per_chunk: count,
                sample_description_index: entry + 1,
            });
        }
    }
    let sizes: Vec<u32> = t.samples.iter().map(|s| s.size).collect();
    let (stco, co64) = if wide {
        (None, Some(Co64 { entries: offsets }))
    } else {
        (
            Some(Stco {
                entries: offsets.into_iter().map(|o| o as u32).collect(),
            }),
            None,
        )
    };
    Stbl {
        stsd: Stsd {
            codecs: t.entries.clone(),
        },
        stts: Stts { entries: stts },
        ctts,
        stss,
        stsc: Stsc { entries: stsc },
        stsz: Stsz {
            samples: StszSamples::Different { sizes },
        },
        stco,
        co64,
        ..Stbl::default()
    }
}

fn write_failed(path: &Path, e: &std::io::Error) -> Error {
    let name = path.display();
    Error::internal(
        Text::new(
            format!("writing the joined video {name}"),
            format!("写入拼接后的视频 {name}"),
        ),
        e,
    )
}

fn internal(what: &str) -> Error {
    Error::internal(
        Text::new("joining the takes", "拼接镜头"),
        &std::io::Error::other(what.to_owned()),
    )
}

//! Plans a join: which samples of which take go into the joined file, in what order, with what
//! timing, so that it plays the takes end to end without re-encoding.
//!
//! Guarantees:
//! - **Pictures are whole GOPs, copied as they are.** A cut snaps outwards to keyframes: the in
//!   point to the keyframe at or before it, the out point to the keyframe at or after it (or the
//!   clip's end), so the joined file holds at least what was asked. The snapped times are reported.
//! - **Pictures are shown exactly in turn.** Each take's composition offsets are rebased so its
//!   first keyframe is shown right after the previous take's last picture; one edit list entry
//!   hides the first take's B-frame delay.
//! - **Sound stays in step, within one AAC frame at every join.** Each take's own priming frame
//!   (and whatever precedes its in point) is dropped at a join, and its last frames are chosen so
//!   the sound ends as close as it can to the picture; the error never builds up, because each
//!   join is measured against the pictures, not against the previous join. The first take's
//!   priming is hidden by the edit list, as an encoder does.
//! - **Parameter sets stay correct.** Takes that share one H.264 configuration (SPS/PPS) share
//!   its `avc1` sample description and are copied byte for byte. When configurations differ,
//!   every keyframe carries its own take's SPS and PPS in band, written before the keyframe's own
//!   NAL units (which are still copied as they are); see [`InBand`] for why.

use crate::compat;
use crate::probe::{Probe, Sample, Track};
use crate::text::Refusal;
use framecast_core::{Error, Result};
use mp4_atom::Codec;

/// Where a take's cut landed in the joined file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JoinedClip {
    pub file: String,
    /// The cut as asked, in seconds on the clip's own clock.
    pub requested_in: f64,
    pub requested_out: f64,
    /// The cut as made, snapped to keyframes.
    pub in_point: f64,
    pub out_point: f64,
    /// When the take starts in the joined file.
    pub starts_at: f64,
    pub frames: u64,
    /// How far the sound's start is from the picture's at this join, in seconds (+ = late).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio_offset: Option<f64>,
}

/// One output track's samples, in decode order.
#[derive(Debug)]
pub(crate) struct OutTrack<'a> {
    /// The first take's track, for its headers.
    pub template: &'a Track,
    pub timescale: u32,
    pub entries: Vec<Codec>,
    pub samples: Vec<OutSample>,
    /// The edit: media time shown first, and for how long (in this track's timescale).
    pub shift: i64,
    pub shown: i64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct OutSample {
    /// Including the parameter sets written before it, if any.
    pub size: u32,
    pub duration: u32,
    pub cts: i64,
    pub sync: bool,
    pub entry: u32,
    /// The parameter sets ([`Plan::parameter_sets`]) written in band before this sample.
    pub prefix: Option<u32>,
}

/// A run of samples of one track, contiguous in one take's file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OutChunk {
    /// 0 = video, 1 = audio.
    pub track: usize,
    pub clip: usize,
    pub src_offset: u64,
    pub len: u64,
    pub count: u32,
    pub entry: u32,
    /// Parameter sets written before the chunk's first sample (which then starts the chunk).
    pub prefix: Option<u32>,
}

#[derive(Debug)]
pub(crate) struct Plan<'a> {
    pub video: OutTrack<'a>,
    pub audio: Option<OutTrack<'a>>,
    /// In the order they are written.
    pub chunks: Vec<OutChunk>,
    /// In-band SPS/PPS, as length-prefixed NAL units, when the takes' configurations differ.
    pub parameter_sets: Vec<Vec<u8>>,
    pub clips: Vec<JoinedClip>,
}

/// A take's selected samples, with their place in the source.
struct Picked {
    samples: Vec<(Sample, OutSample)>,
}

pub(crate) fn plan<'a>(
    probes: &'a [Probe],
    cuts: &[(Option<f64>, Option<f64>)],
) -> Result<Plan<'a>> {
    let Some(first) = probes.first() else {
        return Err(Error::invalid_input("no clips to join", "没有要拼接的片段"));
    };
    compat::check(probes)?;

    let vts = first.video.timescale;
    let mut in_band = InBand::new(probes)?;
    let mut video_entries = Entries::default();
    let mut audio_entries = Entries::default();
    let mut video_picked = Vec::with_capacity(probes.len());
    let mut clips = Vec::with_capacity(probes.len());
    // Where each take's pictures start and end in the joined file, in the video timescale.
    let mut bounds = Vec::with_capacity(probes.len());
    let mut at = 0i64;
    for (probe, &(cut_in, cut_out)) in probes.iter().zip(cuts) {
        let track = &probe.video;
        let length = track.end() as f64 / f64::from(track.timescale);
        let (start, end) = compat::checked_cut(probe, cut_in, cut_out, length)?;
        let scale = Scale::new(track.timescale, vts, probe);
        let (range, a, b) = video_range(track, start, end, probe)?;
        let mut picked = Vec::with_capacity(range.len());
        let base_cts = track.samples[range.start].cts;
        let mut sum = 0i64;
        for s in &track.samples[range.clone()] {
            let (entry, prefix) = match &mut in_band {
                Some(in_band) => (0, s.sync.then(|| in_band.index(probe, s.entry))),
                None => (video_entries.index(probe, 0, s.entry, &track.entries), None),
            };
            let extra = prefix.map_or(0, |p| in_band.as_ref().map_or(0, |b| b.len(p)));
            let out = OutSample {
                size: s.size.checked_add(extra).ok_or_else(|| {
                    Refusal::new(
                        "has a picture too large to join",
                        "的某个画面太大，无法拼接",
                    )
                    .about(&probe.clip)
                })?,
                duration: scale.u32(s.duration)?,
                cts: scale.i64(i64::from(s.cts) - i64::from(base_cts))?,
                sync: s.sync,
                entry,
                prefix,
            };
            sum += i64::from(out.duration);
            picked.push((*s, out));
        }
        let length_out = scale.i64(b - a)?;
        // The last sample (in decode order) lasts until the next take starts, so decode time and
        // presentation time advance together across the join.
        if let Some((_, last)) = picked.last_mut() {
            let adjusted = i64::from(last.duration) + length_out - sum;
            last.duration = u32::try_from(adjusted)
                .ok()
                .filter(|&d| d > 0)
                .ok_or_else(|| {
                    Refusal::new(
                        "has picture timing that does not add up",
                        "的画面时间信息前后矛盾",
                    )
                    .about(&probe.clip)
                })?;
        }
        bounds.push((at, at + length_out));
        clips.push(JoinedClip {
            file: probe.clip.file_name.clone(),
            requested_in: start,
            requested_out: end,
            in_point: a as f64 / f64::from(track.timescale),
            out_point: b as f64 / f64::from(track.timescale),
            starts_at: at as f64 / f64::from(vts),
            frames: range.len() as u64,
            audio_offset: None,
        });
        at += length_out;
        video_picked.push(Picked { samples: picked });
    }
    let total = at;

    // One shift for all takes keeps every composition offset non-negative.
    let shift = video_picked
        .iter()
        .flat_map(|p| p.samples.iter().map(|(_, o)| -o.cts))
        .max()
        .unwrap_or(0)
        .max(0);
    for p in &mut video_picked {
        for (_, o) in &mut p.samples {
            o.cts += shift;
        }
    }

    let audio_picked = match &first.audio {
        Some(first_audio) => Some(audio_picks(
            probes,
            &bounds,
            vts,
            first_audio.timescale,
            &mut audio_entries,
            &mut clips,
        )?),
        None => None,
    };

    // One AAC description for every take, as for the pictures: players do not all follow a
    // change of description. Takes with the same rate, channels and object type whose
    // AudioSpecificConfig still differs are refused.
    if let Some(&((clip, _, _), _)) = audio_entries.seen.iter().find(|(_, out)| *out != 0) {
        let probe = probes
            .iter()
            .find(|p| p.clip.index == clip)
            .unwrap_or(first);
        return Err(Refusal::new(
            "has AAC sound configured differently from the first clip's (its AudioSpecificConfig); the takes cannot be joined without re-encoding",
            "的 AAC 声音配置（AudioSpecificConfig）与第一个片段不同；这些镜头不重新编码就无法拼接",
        )
        .about(&probe.clip));
    }

    let chunks = chunks(
        &video_picked,
        audio_picked.as_ref().map(|(p, _, _)| p.as_slice()),
    );

    let video = OutTrack {
        template: &first.video,
        timescale: vts,
        entries: match &in_band {
            Some(b) => vec![b.entry.clone()],
            None => video_entries.codecs,
        },
        samples: video_picked
            .into_iter()
            .flat_map(|p| p.samples.into_iter().map(|(_, o)| o))
            .collect(),
        shift,
        shown: total,
    };
    let audio = match (audio_picked, &first.audio) {
        (Some((picked, shift, shown)), Some(template)) => Some(OutTrack {
            template,
            timescale: template.timescale,
            entries: audio_entries.codecs,
            samples: picked
                .into_iter()
                .flat_map(|p| p.samples.into_iter().map(|(_, o)| o))
                .collect(),
            shift,
            shown,
        }),
        _ => None,
    };
    Ok(Plan {
        video,
        audio,
        chunks,
        parameter_sets: in_band.map(|b| b.sets).unwrap_or_default(),
        clips,
    })
}

/// The decode-order range of whole GOPs covering [start, end) seconds, and the shown times
/// (track timescale) of its first picture and of the end.
fn video_range(
    track: &Track,
    start: f64,
    end: f64,
    probe: &Probe,
) -> Result<(std::ops::Range<usize>, i64, i64)> {
    let ts = f64::from(track.timescale);
    let want_in = (start * ts).round() as i64;
    let want_out = (end * ts).round() as i64;
    let samples = &track.samples;
    let keys: Vec<usize> = (0..samples.len()).filter(|&i| samples[i].sync).collect();
    let Some(&first_key) = keys.first() else {
        return Err(Refusal::new("has no keyframe", "没有关键帧").about(&probe.clip));
    };
    let from = keys
        .iter()
        .copied()
        .filter(|&i| track.shown(&samples[i]) <= want_in)
        .max_by_key(|&i| track.shown(&samples[i]))
        .unwrap_or(first_key);
    let a = track.shown(&samples[from]);
    let to = keys
        .iter()
        .copied()
        .find(|&i| i > from && track.shown(&samples[i]) >= want_out)
        .unwrap_or(samples.len());
    let b = match samples.get(to) {
        Some(s) => track.shown(s),
        None => track.end(),
    };
    let outside = samples[from..to].iter().any(|s| {
        let t = track.shown(s);
        t < a || t >= b
    });
    if outside || b <= a {
        return Err(Refusal::new(
            "has pictures that cannot be cut at its keyframes without re-encoding (an open GOP)",
            "的画面无法在关键帧处剪切而不重新编码（开放式 GOP）",
        )
        .about(&probe.clip));
    }
    Ok((from..to, a, b))
}

/// Picks each take's sound frames so the sound stays within one frame of the pictures at every
/// join. Returns the picks, the edit's media time, and how long the sound is shown.
///
/// A frame shown at `q` on its take's clock, placed at `p` on the joined clock, is in step when
/// `p = start of the take's pictures + (q - the take's in point)`; the difference is the offset.
fn audio_picks(
    probes: &[Probe],
    bounds: &[(i64, i64)],
    vts: u32,
    ats: u32,
    entries: &mut Entries,
    clips: &mut [JoinedClip],
) -> Result<(Vec<Picked>, i64, i64)> {
    let to_audio = |t: i64| -> i64 { (i128::from(t) * i128::from(ats) / i128::from(vts)) as i64 };
    let mut picks = Vec::with_capacity(probes.len());
    // Where the next frame goes on the joined clock (audio timescale); negative = hidden by the
    // edit list.
    let mut placed = 0i64;
    let mut shift = 0i64;
    let last = probes.len() - 1;
    for (k, probe) in probes.iter().enumerate() {
        let Some(track) = &probe.audio else {
            return Err(Refusal::new("has no sound", "没有声音").about(&probe.clip));
        };
        let scale = Scale::new(track.timescale, ats, probe);
        let frames = &track.samples;
        // Every AAC frame decodes to a whole frame of sound, even one whose duration the take's
        // table shortens (its last, trimmed by its edit list): inside a joined file it is heard
        // whole, so it is counted and written whole.
        let whole = track.usual_duration();
        let shown = frames
            .iter()
            .map(|f| scale.i64(track.shown(f)))
            .collect::<Result<Vec<_>>>()?;
        let mut decode = frames
            .iter()
            .map(|f| scale.i64(f.dts))
            .collect::<Result<Vec<_>>>()?;
        let end = frames.last().map_or(Ok(0), |f| {
            scale.i64(f.dts + i64::from(f.duration.max(whole)))
        })?;
        decode.push(end);
        let frame = scale.i64(i64::from(track.usual_duration()))?.max(1);
        let (v_start, v_end) = (to_audio(bounds[k].0), to_audio(bounds[k].1));
        let cut_in = (clips[k].in_point * f64::from(ats)).round() as i64;

        let i0 = if k == 0 {
            // The frame holding the in point, and one before it for the decoder to settle.
            let holding = (0..frames.len())
                .rev()
                .find(|&i| shown[i] <= cut_in)
                .unwrap_or(0);
            let i0 = holding.saturating_sub(1);
            shift = (cut_in - shown[i0]).max(0);
            placed = -shift;
            i0
        } else {
            nearest(0..frames.len(), |i| shown[i], cut_in + placed - v_start)
        };
        let offset = placed - (v_start + shown[i0] - cut_in);
        if k > 0 && offset.abs() > frame {
            return Err(sound_gap(probe));
        }
        let target = decode[i0] + (v_end - placed);
        let i1 = if k == last {
            (i0..=frames.len())
                .find(|&i| decode[i] >= target)
                .unwrap_or(frames.len())
        } else {
            nearest(i0..frames.len() + 1, |i| decode[i], target)
        };
        if k < last && (decode[i1] - target).abs() > frame {
            return Err(sound_gap(probe));
        }
        let mut picked = Vec::with_capacity(i1 - i0);
        for f in &frames[i0..i1] {
            let entry = entries.index(probe, 1, f.entry, &track.entries);
            picked.push((
                *f,
                OutSample {
                    size: f.size,
                    duration: scale.u32(f.duration.max(whole))?,
                    cts: 0,
                    sync: true,
                    entry,
                    prefix: None,
                },
            ));
        }
        clips[k].audio_offset = Some(offset as f64 / f64::from(ats));
        placed += decode[i1] - decode[i0];
        picks.push(Picked { samples: picked });
    }
    let total = to_audio(bounds.last().map_or(0, |b| b.1));
    Ok((picks, shift, placed.min(total)))
}

fn sound_gap(probe: &Probe) -> Error {
    Refusal::new(
        "has sound that does not cover its pictures; joined, the sound would fall out of step",
        "的声音没有覆盖画面；拼接后声音会与画面不同步",
    )
    .about(&probe.clip)
}

/// The index in `range` whose `key` is nearest `target` (the earlier on a tie).
fn nearest(range: impl Iterator<Item = usize>, key: impl Fn(usize) -> i64, target: i64) -> usize {
    let mut best = None;
    for i in range {
        let d = (key(i) - target).abs();
        match best {
            Some((_, bd)) if bd <= d => {}
            _ => best = Some((i, d)),
        }
    }
    best.map_or(0, |(i, _)| i)
}

/// Takes whose H.264 configurations (SPS/PPS) differ share the first take's `avc1` sample
/// description, and every keyframe of every take carries its own take's parameter sets in band,
/// so a decoder has the right ones wherever it starts or seeks. This is what ffmpeg, GStreamer
/// (avdec_h264, as WebKitGTK plays) and Chromium all decode to the takes' exact pictures. One
/// description per configuration would leave the samples untouched, but Chromium stalls where the
/// description changes; an `avc3` description plays in Chromium but GStreamer needs h264parse
/// (gst-plugins-bad) to read it.
#[derive(Debug)]
struct InBand {
    entry: Codec,
    /// Length-prefixed NAL units, one set per distinct configuration.
    sets: Vec<Vec<u8>>,
    /// (clip index, source entry) → set.
    seen: Vec<((usize, u32), u32)>,
}

impl InBand {
    /// `None` when every take has the same configuration (nothing needs to be in band).
    fn new(probes: &[Probe]) -> Result<Option<Self>> {
        let mut configs: Vec<(&Probe, &mp4_atom::Avc1)> = Vec::new();
        for probe in probes {
            for codec in &probe.video.entries {
                if let Codec::Avc1(avc1) = codec {
                    configs.push((probe, avc1));
                }
            }
        }
        let Some(&(_, first)) = configs.first() else {
            return Ok(None);
        };
        if configs.iter().all(|(_, c)| c.avcc == first.avcc) {
            return Ok(None);
        }
        if let Some((probe, c)) = configs
            .iter()
            .find(|(_, c)| c.avcc.length_size != first.avcc.length_size)
        {
            return Err(Refusal::new(
                format!(
                    "counts H.264 NAL unit lengths in {} bytes, the first clip in {}; the takes cannot be joined without re-encoding",
                    c.avcc.length_size, first.avcc.length_size
                ),
                format!(
                    "的 H.264 NAL 长度占 {} 字节，第一个片段占 {} 字节；这些镜头不重新编码就无法拼接",
                    c.avcc.length_size, first.avcc.length_size
                ),
            )
            .about(&probe.clip));
        }
        let entry = Codec::Avc1(first.clone());
        Ok(Some(Self {
            entry,
            sets: Vec::new(),
            seen: Vec::new(),
        }))
    }

    fn index(&mut self, probe: &Probe, entry: u32) -> u32 {
        let key = (probe.clip.index, entry);
        if let Some(&(_, i)) = self.seen.iter().find(|(k, _)| *k == key) {
            return i;
        }
        let bytes = match probe.video.entries.get(entry as usize) {
            Some(Codec::Avc1(avc1)) => nal_units(&avc1.avcc),
            _ => Vec::new(),
        };
        let i = match self.sets.iter().position(|s| *s == bytes) {
            Some(i) => i as u32,
            None => {
                self.sets.push(bytes);
                (self.sets.len() - 1) as u32
            }
        };
        self.seen.push((key, i));
        i
    }

    fn len(&self, set: u32) -> u32 {
        self.sets.get(set as usize).map_or(0, |s| s.len() as u32)
    }
}

/// An `avcC`'s SPS, SPS extension and PPS NAL units, each preceded by its length.
fn nal_units(avcc: &mp4_atom::Avcc) -> Vec<u8> {
    let size = usize::from(avcc.length_size.clamp(1, 4));
    let ext = avcc.ext.iter().flat_map(|e| &e.sequence_parameter_sets_ext);
    let mut out = Vec::new();
    for nal in avcc
        .sequence_parameter_sets
        .iter()
        .chain(ext)
        .chain(&avcc.picture_parameter_sets)
    {
        out.extend_from_slice(&(nal.len() as u32).to_be_bytes()[4 - size..]);
        out.extend_from_slice(nal);
    }
    out
}

/// The output's sample descriptions: one per distinct decoder configuration.
#[derive(Default)]
struct Entries {
    codecs: Vec<Codec>,
    /// (clip index, track, source entry) → output entry.
    seen: Vec<((usize, usize, u32), u32)>,
}

impl Entries {
    fn index(&mut self, probe: &Probe, track: usize, entry: u32, source: &[Codec]) -> u32 {
        let key = (probe.clip.index, track, entry);
        if let Some(&(_, out)) = self.seen.iter().find(|(k, _)| *k == key) {
            return out;
        }
        let codec = &source[entry as usize];
        let out = match self.codecs.iter().position(|c| same_config(c, codec)) {
            Some(i) => i as u32,
            None => {
                self.codecs.push(codec.clone());
                (self.codecs.len() - 1) as u32
            }
        };
        self.seen.push((key, out));
        out
    }
}

/// Whether one sample description can stand for both: the same decoder configuration (avcC
/// for H.264, AudioSpecificConfig for AAC). Bit-rate boxes and the like may differ.
fn same_config(a: &Codec, b: &Codec) -> bool {
    match (a, b) {
        (Codec::Avc1(a), Codec::Avc1(b)) => {
            a.avcc == b.avcc
                && a.visual.width == b.visual.width
                && a.visual.height == b.visual.height
        }
        (Codec::Mp4a(a), Codec::Mp4a(b)) => {
            let (da, db) = (&a.esds.es_desc.dec_config, &b.esds.es_desc.dec_config);
            da.object_type_indication == db.object_type_indication
                && da.dec_specific == db.dec_specific
                && a.audio.channel_count == b.audio.channel_count
                && a.audio.sample_rate == b.audio.sample_rate
        }
        _ => a == b,
    }
}

/// Groups each take's picks into chunks (same source chunk, byte-contiguous, same description)
/// and interleaves the two tracks in source-file order, so the copy reads each file forwards.
fn chunks(video: &[Picked], audio: Option<&[Picked]>) -> Vec<OutChunk> {
    let mut out = Vec::new();
    for (clip, v) in video.iter().enumerate() {
        let vc = group(&v.samples, 0, clip);
        let ac = audio
            .and_then(|a| a.get(clip))
            .map(|a| group(&a.samples, 1, clip))
            .unwrap_or_default();
        let (mut i, mut j) = (0, 0);
        while i < vc.len() || j < ac.len() {
            let take_video = match (vc.get(i), ac.get(j)) {
                (Some(v), Some(a)) => v.src_offset <= a.src_offset,
                (Some(_), None) => true,
                _ => false,
            };
            if take_video {
                out.push(vc[i]);
                i += 1;
            } else {
                out.push(ac[j]);
                j += 1;
            }
        }
    }
    out
}

fn group(samples: &[(Sample, OutSample)], track: usize, clip: usize) -> Vec<OutChunk> {
    let mut chunks: Vec<OutChunk> = Vec::new();
    let mut last_chunk = None;
    for (s, o) in samples {
        let joins = o.prefix.is_none()
            && chunks.last().is_some_and(|c| {
                last_chunk == Some(s.chunk)
                    && c.src_offset + c.len == s.offset
                    && c.entry == o.entry
            });
        match chunks.last_mut() {
            Some(c) if joins => {
                c.len += u64::from(s.size);
                c.count += 1;
            }
            _ => chunks.push(OutChunk {
                track,
                clip,
                src_offset: s.offset,
                len: u64::from(s.size),
                count: 1,
                entry: o.entry,
                prefix: o.prefix,
            }),
        }
        last_chunk = Some(s.chunk);
    }
    chunks
}

/// Converts a take's times into the joined track's timescale, refusing any that do not convert
/// exactly.
struct Scale<'a> {
    from: u32,
    to: u32,
    probe: &'a Probe,
}

impl<'a> Scale<'a> {
    fn new(from: u32, to: u32, probe: &'a Probe) -> Self {
        Self { from, to, probe }
    }

    fn i64(&self, v: i64) -> Result<i64> {
        if self.from == self.to {
            return Ok(v);
        }
        let n = i128::from(v) * i128::from(self.to);
        if n % i128::from(self.from) != 0 {
            return Err(Refusal::new(
                format!(
                    "counts time in units of 1/{} s, which the first clip's 1/{} s cannot express exactly",
                    self.from, self.to
                ),
                format!(
                    "的时间单位是 1/{} 秒，无法用第一个片段的 1/{} 秒精确表示",
                    self.from, self.to
                ),
            )
            .about(&self.probe.clip));
        }
        i64::try_from(n / i128::from(self.from))
            .map_err(|_| Refusal::new("is too long", "太长").about(&self.probe.clip))
    }

    fn u32(&self, v: u32) -> Result<u32> {
        u32::try_from(self.i64(i64::from(v))?)
            .map_err(|_| Refusal::new("is too long", "太长").about(&self.probe.clip))
    }
}

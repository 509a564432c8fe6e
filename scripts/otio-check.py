#!/usr/bin/env python3
"""Reads Framecast's timeline exports back with OpenTimelineIO's own adapters and prints, as JSON,
what each one says the video track holds: every clip's name, source in point and duration (in
frames at its rate) and media path. The Rust test compares that with what was exported.

Usage: otio-check.py KIND FILE [RATE]
  KIND is otio (OTIO's JSON reader), fcpxml (otio-fcpx-xml-adapter) or edl (the cmx_3600
  adapter, at RATE frames per second).

otio-fcpx-xml-adapter 1.0.0 reads an asset's media path from the `src` attribute that FCPXML
1.8 had; from 1.9 on the path is in the asset's `media-rep` child, where Final Cut Pro and
Resolve look for it, and the adapter gives a MissingReference. For FCPXML the path is therefore
read from each spine clip's asset's media-rep, and marked so ("media_from": "media-rep").
"""

import json
import sys
import xml.etree.ElementTree as ET

import opentimelineio as otio


def clips_of(timeline):
    tracks = timeline.video_tracks()
    if len(tracks) != 1:
        raise SystemExit(f"expected one video track, found {len(tracks)}")
    out = []
    for item in tracks[0]:
        if not isinstance(item, otio.schema.Clip):
            raise SystemExit(f"unexpected {type(item).__name__} in the video track")
        r = item.source_range
        ref = item.media_reference
        out.append(
            {
                "name": item.name,
                "rate": r.duration.rate,
                "in": round(r.start_time.value),
                "frames": round(r.duration.value),
                "media": getattr(ref, "target_url", None),
                "media_from": "adapter",
            }
        )
    return out


def plain(value):
    """OTIO's metadata dictionaries and lists as plain JSON values."""
    if hasattr(value, "items"):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return [plain(v) for v in value]


def main():
    kind, path = sys.argv[1], sys.argv[2]
    if kind == "otio":
        timeline = otio.adapters.read_from_file(path, adapter_name="otio_json")
        result = {"name": timeline.name, "clips": clips_of(timeline)}
        result["audio_tracks"] = len(timeline.audio_tracks())
        result["metadata"] = [plain(c.metadata) for c in timeline.video_tracks()[0]]
    elif kind == "fcpxml":
        collection = otio.adapters.read_from_file(path, adapter_name="fcpx_xml")
        timelines = [t for t in collection if isinstance(t, otio.schema.Timeline)]
        if len(timelines) != 1:
            raise SystemExit(f"expected one project, found {len(timelines)}")
        clips = clips_of(timelines[0])
        doc = ET.parse(path).getroot()
        sources = {a.get("id"): a.find("media-rep").get("src") for a in doc.iter("asset")}
        spine = [c.get("ref") for c in doc.iter("asset-clip")]
        for clip, ref in zip(clips, spine):
            if clip["media"] is None:
                clip["media"] = sources[ref]
                clip["media_from"] = "media-rep"
        result = {"name": timelines[0].name, "clips": clips}
    elif kind == "edl":
        rate = float(sys.argv[3])
        timeline = otio.adapters.read_from_file(path, adapter_name="cmx_3600", rate=rate)
        result = {"name": timeline.name, "clips": clips_of(timeline)}
    else:
        raise SystemExit(f"unknown kind {kind}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()

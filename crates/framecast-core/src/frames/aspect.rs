//! Frame shape against the model's: Veo renders 16:9 landscape or 9:16 portrait, so a frame of
//! another shape is letterboxed or cropped by someone. This module says which shape a frame is,
//! computes the centre crop to a ratio, and compares the two frames of a pair.

use serde::{Deserialize, Serialize};

/// The shape of the video the model will render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum ModelAspect {
    /// 16:9, 1280×720.
    #[default]
    Landscape,
    /// 9:16, 720×1280.
    Portrait,
}

impl ModelAspect {
    /// Width over height.
    pub fn ratio(self) -> f64 {
        match self {
            Self::Landscape => 16.0 / 9.0,
            Self::Portrait => 9.0 / 16.0,
        }
    }

    /// The size the model renders.
    pub fn render_size(self) -> (u32, u32) {
        match self {
            Self::Landscape => (1280, 720),
            Self::Portrait => (720, 1280),
        }
    }

    /// The orientation a model name asks for, when it says: `-landscape` or `-portrait` in any
    /// case, and Veo's plain names (`veo-3.1…`) are portrait; another gateway's names say
    /// nothing (`None`). The UI keeps the same rule (`models.ts`), pinned to this one by the
    /// shared cases in `tests/rules.json`.
    pub fn of_model(model: &str) -> Option<Self> {
        let name = model.trim().to_ascii_lowercase();
        if name.contains("landscape") {
            Some(Self::Landscape)
        } else if name.contains("portrait") || name.starts_with("veo-3.1") {
            Some(Self::Portrait)
        } else {
            None
        }
    }

    /// The shape frames should have for this video.
    pub fn shape(self) -> Shape {
        match self {
            Self::Landscape => Shape::Landscape,
            Self::Portrait => Shape::Portrait,
        }
    }
}

/// Whether a frame is wider than tall, taller than wide, or (within 2%) square.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    Landscape,
    Portrait,
    Square,
}

impl Shape {
    /// The shape of a `width`×`height` frame.
    pub fn of(width: u32, height: u32) -> Self {
        let r = f64::from(width) / f64::from(height.max(1));
        if r > 1.02 {
            Self::Landscape
        } else if r < 1.0 / 1.02 {
            Self::Portrait
        } else {
            Self::Square
        }
    }

    pub(crate) fn words(self) -> (&'static str, &'static str) {
        match self {
            Self::Landscape => ("landscape", "横向"),
            Self::Portrait => ("portrait", "竖向"),
            Self::Square => ("square", "方形"),
        }
    }
}

/// Whether two ratios differ by more than 1%.
pub(crate) fn ratios_differ(a: f64, b: f64) -> bool {
    (a / b - 1.0).abs() > 0.01
}

/// The centred region of a `w`×`h` image that has width/height `ratio`: `(left, top, width,
/// height)`, or `None` when the image already has that ratio.
pub(crate) fn centre_crop(w: f64, h: f64, ratio: f64) -> Option<(f64, f64, f64, f64)> {
    if !ratios_differ(w / h, ratio) {
        return None;
    }
    if w / h > ratio {
        let cw = h * ratio;
        Some(((w - cw) / 2.0, 0.0, cw, h))
    } else {
        let ch = w / ratio;
        Some((0.0, (h - ch) / 2.0, w, ch))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(Shape::of(1920, 1080), Shape::Landscape);
        assert_eq!(Shape::of(1080, 1920), Shape::Portrait);
        assert_eq!(Shape::of(1000, 1010), Shape::Square);
    }

    #[test]
    fn crops_to_the_middle() {
        assert_eq!(
            centre_crop(4000.0, 3000.0, 16.0 / 9.0),
            Some((0.0, 375.0, 4000.0, 2250.0))
        );
        assert_eq!(
            centre_crop(4000.0, 3000.0, 9.0 / 16.0),
            Some((1156.25, 0.0, 1687.5, 3000.0))
        );
        assert_eq!(centre_crop(1920.0, 1080.0, 16.0 / 9.0), None);
    }
}

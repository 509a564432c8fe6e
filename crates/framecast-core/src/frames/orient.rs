//! EXIF orientation: phones store pixels as the sensor saw them and say how to turn them.
//!
//! The model sees pixels, not EXIF, so the turn is applied to the pixels. It is applied last, to
//! the already reduced frame, where it is cheapest; the crop and the target size are planned in
//! the stored orientation with [`Orientation::transposes`] so the result is the same.

use super::decode::Raster;
use crate::error::{Error, Result};
use image::{DynamicImage, RgbImage, RgbaImage};
use serde::{Deserialize, Serialize};

/// The EXIF orientation tag, 1–8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub struct Orientation(u8);

impl Orientation {
    /// Stored as it should be shown.
    pub const NORMAL: Self = Self(1);

    /// From the EXIF value; `None` outside 1–8.
    pub fn from_exif(value: u8) -> Option<Self> {
        (1..=8).contains(&value).then_some(Self(value))
    }

    /// The EXIF value.
    pub fn exif(self) -> u8 {
        self.0.max(1)
    }

    /// Whether showing the image swaps its width and height (orientations 5–8).
    pub fn transposes(self) -> bool {
        self.exif() >= 5
    }

    /// Whether anything has to be done to the pixels.
    pub fn is_normal(self) -> bool {
        self.exif() == 1
    }

    /// From an EXIF TIFF body (what follows `Exif\0\0` in a JPEG's APP1 segment).
    pub(crate) fn from_exif_tiff(tiff: &[u8]) -> Option<Self> {
        image::metadata::Orientation::from_exif_chunk(tiff).map(Self::from_image)
    }

    pub(crate) fn from_image(o: image::metadata::Orientation) -> Self {
        Self(o.to_exif())
    }

    /// Turns and flips the pixels so they are shown upright.
    pub(crate) fn apply(self, raster: Raster) -> Result<Raster> {
        let Some(o) = image::metadata::Orientation::from_exif(self.exif()) else {
            return Ok(raster);
        };
        if self.is_normal() {
            return Ok(raster);
        }
        let (w, h) = (raster.width, raster.height);
        let mut image = match raster.channels {
            4 => RgbaImage::from_raw(w, h, raster.data).map(DynamicImage::ImageRgba8),
            _ => RgbImage::from_raw(w, h, raster.data).map(DynamicImage::ImageRgb8),
        }
        .ok_or_else(|| {
            Error::invalid_input("the frame's pixels are inconsistent", "图片像素数据不一致")
        })?;
        image.apply_orientation(o);
        let (w, h) = (image.width(), image.height());
        Ok(match image {
            DynamicImage::ImageRgba8(b) => Raster::new(w, h, 4, b.into_raw()),
            other => Raster::new(w, h, 3, other.into_rgb8().into_raw()),
        })
    }
}

impl Default for Orientation {
    fn default() -> Self {
        Self::NORMAL
    }
}

impl From<Orientation> for u8 {
    fn from(o: Orientation) -> u8 {
        o.exif()
    }
}

impl TryFrom<u8> for Orientation {
    type Error = String;
    fn try_from(v: u8) -> std::result::Result<Self, String> {
        Self::from_exif(v).ok_or_else(|| format!("EXIF orientation {v} is not 1–8"))
    }
}

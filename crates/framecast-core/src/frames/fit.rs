//! The frame's final size, planned from the header, and the one resampling pass that makes it.
//!
//! Sizes and crops are planned as the frame will be shown (after EXIF orientation) and then
//! mapped to the stored orientation, so cropping and resizing happen in one SIMD pass
//! (`fast_image_resize`, Lanczos3) on the stored pixels, and the turn is done last on the small
//! result. Frames are only ever made smaller, except when the end frame is fitted to the start.

use super::aspect::centre_crop;
use super::decode::Raster;
use super::orient::Orientation;
use crate::error::{Error, Result};
use fast_image_resize as fr;
use serde::{Deserialize, Serialize};

/// How large the sent frame may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FrameSize {
    /// Scale down (never up) so the longer side is at most this many pixels.
    LongSide(u32),
    /// Keep the pixels as they are; send the file itself when the gateway accepts it.
    Original,
}

impl Default for FrameSize {
    fn default() -> Self {
        Self::LongSide(1920)
    }
}

/// A region `(left, top, width, height)` in pixels.
pub(crate) type Rect = (f64, f64, f64, f64);

/// The planned result.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    /// The part of the stored image to keep, in stored full-size pixels.
    pub crop: Option<Rect>,
    /// The output size in the stored orientation.
    pub stored_out: (u32, u32),
    /// The output size as shown.
    pub out: (u32, u32),
    /// The output is larger than the region it comes from.
    pub upscale: bool,
}

impl Plan {
    /// The region of the stored image the output comes from.
    pub fn region(&self, stored_w: u32, stored_h: u32) -> Rect {
        self.crop
            .unwrap_or((0.0, 0.0, f64::from(stored_w), f64::from(stored_h)))
    }

    /// Whether pixels have to be resampled.
    pub fn resamples(&self, stored_w: u32, stored_h: u32) -> bool {
        self.crop.is_some() || self.stored_out != (stored_w, stored_h)
    }
}

/// Plans the output of a `w`×`h` stored image shown with `orientation`.
///
/// `ratio` is the width/height to centre-crop to (as shown); `exact` forces the output size as
/// shown (cropping to its ratio first).
pub(crate) fn plan(
    w: u32,
    h: u32,
    orientation: Orientation,
    size: FrameSize,
    ratio: Option<f64>,
    exact: Option<(u32, u32)>,
) -> Plan {
    let t = orientation.transposes();
    let (ow, oh) = if t {
        (f64::from(h), f64::from(w))
    } else {
        (f64::from(w), f64::from(h))
    };
    let ratio = exact
        .map(|(ew, eh)| f64::from(ew) / f64::from(eh))
        .or(ratio);
    let crop = ratio.and_then(|r| centre_crop(ow, oh, r));
    let (rw, rh) = crop.map_or((ow, oh), |c| (c.2, c.3));
    let out = match (exact, size) {
        (Some(e), _) => e,
        (None, FrameSize::LongSide(long)) => {
            let s = (f64::from(long.max(16)) / rw.max(rh)).min(1.0);
            (side(rw * s), side(rh * s))
        }
        (None, FrameSize::Original) => (side(rw), side(rh)),
    };
    let upscale = f64::from(out.0) > rw.round() + 0.5 || f64::from(out.1) > rh.round() + 0.5;
    let crop = crop.map(|(l, tp, cw, ch)| if t { (tp, l, ch, cw) } else { (l, tp, cw, ch) });
    let stored_out = if t { (out.1, out.0) } else { out };
    Plan {
        crop,
        stored_out,
        out,
        upscale,
    }
}

fn side(v: f64) -> u32 {
    (v.round() as u32).max(1)
}

fn pixel_type(channels: u8) -> fr::PixelType {
    if channels == 4 {
        fr::PixelType::U8x4
    } else {
        fr::PixelType::U8x3
    }
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::invalid_input(
        format!("the frame could not be resized ({e})"),
        format!("无法调整图片尺寸（{e}）"),
    )
}

/// [`resample`], consuming the raster: alpha is premultiplied in place rather than in a copy of
/// the whole source, which keeps a large RGBA frame's peak memory near its decoded size.
pub(crate) fn resample_owned(
    raster: Raster,
    region: Option<Rect>,
    out: (u32, u32),
    filter: fr::FilterType,
) -> Result<Raster> {
    if !raster.has_alpha() {
        return resample(&raster, region, out, filter);
    }
    let (w, h) = (raster.width, raster.height);
    let mul_div = fr::MulDiv::default();
    let mut src =
        fr::images::Image::from_vec_u8(w, h, raster.data, fr::PixelType::U8x4).map_err(failed)?;
    mul_div.multiply_alpha_inplace(&mut src).map_err(failed)?;
    let premultiplied = Raster::new(w, h, 4, src.into_vec());
    let mut result = resize(&premultiplied, region, out, filter, false)?;
    drop(premultiplied);
    let mut dst = fr::images::Image::from_vec_u8(out.0, out.1, result.data, fr::PixelType::U8x4)
        .map_err(failed)?;
    mul_div.divide_alpha_inplace(&mut dst).map_err(failed)?;
    result.data = dst.into_vec();
    Ok(result)
}

/// Crops `region` (in the raster's pixels) and resamples it to `out`, with `filter`.
pub(crate) fn resample(
    raster: &Raster,
    region: Option<Rect>,
    out: (u32, u32),
    filter: fr::FilterType,
) -> Result<Raster> {
    resize(raster, region, out, filter, true)
}

/// Frames at least this many output pixels are resampled in two bands, one per core.
const BANDED_PIXELS: u64 = 1 << 20;

fn resize(
    raster: &Raster,
    region: Option<Rect>,
    out: (u32, u32),
    filter: fr::FilterType,
    use_alpha: bool,
) -> Result<Raster> {
    let bands = if u64::from(out.0) * u64::from(out.1) >= BANDED_PIXELS && out.1 >= 64 {
        2
    } else {
        1
    };
    resize_in_bands(raster, region, out, filter, use_alpha, bands)
}

/// Resamples into `bands` horizontal bands of the output, each on its own thread. Each band
/// crops the source to the rows it maps to; the resampler still reads the neighbouring rows
/// outside that crop (its kernels are bounded by the whole image), so the bands join seamlessly.
fn resize_in_bands(
    raster: &Raster,
    region: Option<Rect>,
    out: (u32, u32),
    filter: fr::FilterType,
    use_alpha: bool,
    bands: u32,
) -> Result<Raster> {
    let channels = raster.channels;
    let pt = pixel_type(channels);
    let (fw, fh) = (f64::from(raster.width), f64::from(raster.height));
    let src =
        fr::images::ImageRef::new(raster.width, raster.height, &raster.data, pt).map_err(failed)?;
    let (l, t, w, h) = match region {
        Some((l, t, w, h)) => {
            let l = l.clamp(0.0, fw - 1.0);
            let t = t.clamp(0.0, fh - 1.0);
            (l, t, w.min(fw - l).max(1.0), h.min(fh - t).max(1.0))
        }
        None => (0.0, 0.0, fw, fh),
    };
    let row = out.0 as usize * usize::from(channels);
    let mut data = vec![0u8; row * out.1 as usize];
    let rows_per_band = out.1.div_ceil(bands.max(1));
    let scale = h / f64::from(out.1);
    let band = |y0: u32, buf: &mut [u8]| -> Result<()> {
        let rows = (buf.len() / row) as u32;
        let mut dst = fr::images::Image::from_slice_u8(out.0, rows, buf, pt).map_err(failed)?;
        let options = fr::ResizeOptions::new()
            .resize_alg(fr::ResizeAlg::Convolution(filter))
            .use_alpha(use_alpha)
            .crop(l, t + f64::from(y0) * scale, w, f64::from(rows) * scale);
        fr::Resizer::new()
            .resize(&src, &mut dst, &options)
            .map_err(failed)
    };
    let chunks: Vec<(u32, &mut [u8])> = data
        .chunks_mut(row * rows_per_band as usize)
        .enumerate()
        .map(|(i, c)| (i as u32 * rows_per_band, c))
        .collect();
    std::thread::scope(|s| {
        let mut chunks = chunks.into_iter();
        let first = chunks.next();
        let others: Vec<_> = chunks
            .map(|(y0, buf)| s.spawn(move || band(y0, buf)))
            .collect();
        if let Some((y0, buf)) = first {
            band(y0, buf)?;
        }
        for handle in others {
            handle
                .join()
                .map_err(|_| failed("a resampling thread stopped"))??;
        }
        Ok::<(), Error>(())
    })?;
    Ok(Raster::new(out.0, out.1, channels, data))
}

/// A copy at most `long` pixels on its longer side (never larger than `raster`).
pub(crate) fn shrink(raster: &Raster, long: u32) -> Result<Raster> {
    let (w, h) = (raster.width, raster.height);
    let s = (f64::from(long.max(1)) / f64::from(w.max(h))).min(1.0);
    let out = (side(f64::from(w) * s), side(f64::from(h) * s));
    if out == (w, h) {
        return Ok(raster.clone());
    }
    resample(raster, None, out, fr::FilterType::CatmullRom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_the_long_side_down_never_up() {
        let p = plan(
            6000,
            4000,
            Orientation::NORMAL,
            FrameSize::LongSide(1920),
            None,
            None,
        );
        assert_eq!((p.out, p.crop, p.upscale), ((1920, 1280), None, false));
        let p = plan(
            800,
            600,
            Orientation::NORMAL,
            FrameSize::LongSide(1920),
            None,
            None,
        );
        assert_eq!(p.out, (800, 600));
    }

    #[test]
    fn plans_as_shown_and_maps_back_to_stored() {
        let rot = Orientation::from_exif(6).unwrap_or_default();
        let p = plan(
            4000,
            3000,
            rot,
            FrameSize::LongSide(1280),
            Some(9.0 / 16.0),
            None,
        );
        assert_eq!(p.out, (720, 1280));
        assert_eq!(p.stored_out, (1280, 720));
        assert_eq!(p.crop, Some((0.0, 375.0, 4000.0, 2250.0)));
    }

    #[test]
    fn bands_join_seamlessly() {
        let (w, h) = (900u32, 700u32);
        let data: Vec<u8> = (0..w * h * 3)
            .map(|i| ((u64::from(i) * 7919) % 251) as u8 ^ ((i / (w * 3)) as u8))
            .collect();
        let raster = Raster::new(w, h, 3, data);
        let region = Some((10.5, 20.25, 850.0, 600.0));
        let filter = fr::FilterType::Lanczos3;
        let whole = resize_in_bands(&raster, region, (517, 365), filter, true, 1).unwrap();
        let banded = resize_in_bands(&raster, region, (517, 365), filter, true, 2).unwrap();
        let worst = whole
            .data
            .iter()
            .zip(&banded.data)
            .map(|(a, b)| a.abs_diff(*b))
            .max();
        assert!(worst.is_some_and(|d| d <= 1), "worst difference {worst:?}");
    }

    #[test]
    fn exact_size_crops_to_its_ratio_and_may_upscale() {
        let p = plan(
            1000,
            1000,
            Orientation::NORMAL,
            FrameSize::default(),
            None,
            Some((1920, 1080)),
        );
        assert_eq!(p.out, (1920, 1080));
        assert!(p.upscale);
        assert!(p.crop.is_some());
    }
}

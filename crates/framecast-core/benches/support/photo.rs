//! The synthetic photo that the frame benchmark and the memory example share.

/// A photo-like image: smooth gradients, a fine texture and sensor-like noise (flat colour would
/// compress unrealistically well).
pub fn photo(w: u32, h: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity((w * h * 3) as usize);
    let mut s: u32 = 0x1234_5678;
    for y in 0..h {
        let fy = y as f32 / h as f32;
        let cy = (y as f32 * 0.03).cos();
        for x in 0..w {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let n = (s & 15) as i32 - 8;
            let fx = x as f32 / w as f32;
            let t = ((x as f32 * 0.05).sin() * cy * 20.0) as i32;
            let r = (fx * 180.0 + 40.0) as i32 + t + n;
            let g = (fy * 160.0 + 50.0) as i32 - t / 2 + n;
            let b = ((fx + fy) * 90.0 + 30.0) as i32 + n;
            v.extend([r, g, b].map(|c| c.clamp(0, 255) as u8));
        }
    }
    v
}

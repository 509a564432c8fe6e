//! Fills a library with generated jobs, for the benchmarks (`scripts/bench/library.py`):
//! `cargo run --release -p framecast-library --example fill -- DIR JOBS [VIDEO]`. Each job has
//! four saved videos with a poster and a prompt drawn from a mixed English and Chinese
//! vocabulary; the rows go in one transaction, through the library's own schema. With `VIDEO`,
//! every video's file is a hard link to a copy of it under `DIR/videos`, so the app plays them;
//! all share one poster, as the window would have captured.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_library::Library;
use rusqlite::params;
use std::path::{Path, PathBuf};

const WORDS: &[&str] = &[
    "paper", "boat", "rain", "street", "dusk", "neon", "harbor", "dawn", "pig", "sky", "forest",
    "fox", "snow", "lantern", "city", "train", "ocean", "wave", "cat", "window", "mountain",
    "mist", "dragon", "kite", "river", "bridge", "market", "tea", "garden", "moon", "纸船", "雨",
    "街道", "黄昏", "霓虹", "港口", "清晨", "小猪", "天空", "森林", "狐狸", "雪", "灯笼", "城市",
    "列车", "海浪", "猫", "窗户", "山", "雾", "龙", "风筝", "河", "桥", "市场", "茶", "花园",
    "月亮",
];

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().expect("usage: fill DIR JOBS"));
    let jobs: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let sample = args.next().map(PathBuf::from);
    drop(Library::open(&dir).expect("the library opens"));
    let poster = "posters/sample.jpg";
    write_poster(&dir.join(poster));
    let videos = dir.join("videos");
    std::fs::create_dir_all(&videos).unwrap();
    if let Some(sample) = &sample {
        std::fs::copy(sample, videos.join("sample.mp4")).unwrap();
    }
    let mut conn = rusqlite::Connection::open(dir.join(framecast_library::DATABASE)).unwrap();
    let tx = conn.transaction().unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let start = 1_700_000_000_000_i64;
    for i in 0..jobs {
        let created = start + i64::try_from(i).unwrap() * 60_000;
        let id = format!(
            "{:08x}-{:04x}-7{:03x}-8{:03x}-{:012x}",
            (created >> 16) as u32,
            (created & 0xffff) as u16,
            next() & 0xfff,
            next() & 0xfff,
            next() & 0xffff_ffff_ffff
        );
        let prompt: Vec<&str> = (0..8 + next() % 12)
            .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
            .collect();
        tx.execute(
            "INSERT INTO jobs (id, created_at, updated_at, finished_at, origin, prompt, model, n,
               gateway_host, auth_scheme, price_usd, save_dir, state, transcript)
             VALUES (?1, ?2, ?2, ?2, 'app', ?3, 'veo-3.1-fast', 4, 'api.example.com', 'bare', 0.15,
               ?5, 'done', ?4)",
            params![
                id,
                created,
                prompt.join(" "),
                r#"["> ⌛️ 视频正在生成中，请耐心等待...","> 🏃 进度：54.0%","> ✅ 第1个视频生成成功"]"#,
                videos.to_string_lossy()
            ],
        )
        .unwrap();
        for index in 1..=4_u32 {
            let file = videos.join(format!("{id}_{index}of4.mp4"));
            if sample.is_some() {
                // A file system allows some 65,000 links to one file: a copy every 60,000.
                let n = (i * 4 + u64::from(index)) / 60_000;
                let source = videos.join(format!("sample-{n}.mp4"));
                if !source.exists() {
                    std::fs::copy(videos.join("sample.mp4"), &source).unwrap();
                }
                std::fs::hard_link(&source, &file).unwrap();
            }
            tx.execute(
                "INSERT INTO videos (job_id, idx, url, delivered_at, state, path, bytes, total,
                   saved_at, poster)
                 VALUES (?1, ?2, ?3, ?4, 'saved', ?5, 155505, 155505, ?4, ?6)",
                params![
                    id,
                    index,
                    format!("https://cdn.example/{id}/{index}.mp4"),
                    created,
                    file.to_string_lossy(),
                    poster
                ],
            )
            .unwrap();
        }
    }
    tx.commit().unwrap();
    println!("{jobs} jobs, {} videos in {}", jobs * 4, dir.display());
}

/// A 384×216 gradient, the size the window captures posters at.
fn write_poster(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let image = image::RgbImage::from_fn(384, 216, |x, y| {
        image::Rgb([(x * 255 / 384) as u8, (y * 255 / 216) as u8, 160])
    });
    image.save(path).unwrap();
}

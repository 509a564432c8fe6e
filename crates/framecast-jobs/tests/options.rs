//! The one start refuses what Veo or the route would refuse before anything is recorded or
//! sent, and records what it sends: the model name that says the options on the stream, the
//! reference model on the create/query route, the options and the reference images.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::frames::{FrameOptions, ModelAspect, PreparedFrame, pipeline};
use framecast_core::options::Resolution;
use framecast_core::{ErrorKind, GenerationRequest, JobId, RouteKind, VideoOptions};
use framecast_jobs::{Draft, Overrides, begin, target};
use framecast_library::{Library, Origin};
use framecast_mock::{MockConfig, MockGateway};
use secrecy::SecretString;
use std::sync::Arc;

fn image(shade: u8) -> Arc<PreparedFrame> {
    let mut png = Vec::new();
    image::RgbImage::from_pixel(64, 36, image::Rgb([shade, 80, 200]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    Arc::new(pipeline::prepare_bytes(&png, &FrameOptions::default()).unwrap())
}

fn draft(options: VideoOptions, frames: usize, references: usize) -> Draft {
    Draft {
        id: JobId::new(),
        request: GenerationRequest {
            options,
            ..GenerationRequest::text("the red-haired girl walks into the sea")
        },
        frames: (0..frames).map(|i| image(i as u8)).collect(),
        references: (0..references).map(|i| image(100 + i as u8)).collect(),
        lineage: Vec::new(),
        retry_of: None,
        save_dir: None,
        label: None,
        origin: Origin::Cli,
    }
}

fn overrides(base: &str, route: RouteKind) -> Overrides {
    Overrides {
        base_url: Some(base.to_owned()),
        key: Some(SecretString::from("sk-options".to_owned())),
        route: Some(route),
        ..Overrides::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_refused_combination_sends_and_records_nothing() {
    let mock = MockGateway::start(MockConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let library = Arc::new(Library::open(dir.path()).unwrap());
    let keys = framecast_library::Keys::file_only(dir.path(), framecast_core::Text::same("t"));
    let short_hd = VideoOptions {
        duration: Some(4),
        resolution: Some(Resolution::K4),
        ..VideoOptions::default()
    };
    let seed = VideoOptions {
        seed: Some(7),
        ..VideoOptions::default()
    };
    let six = VideoOptions {
        duration: Some(6),
        ..VideoOptions::default()
    };
    for (route, draft, says) in [
        (
            RouteKind::Unified,
            draft(VideoOptions::default(), 0, 4),
            "at most 3",
        ),
        (
            RouteKind::Stream,
            draft(VideoOptions::default(), 1, 1),
            "cannot be combined",
        ),
        (RouteKind::Task, draft(short_hd, 0, 0), "8-second"),
        (RouteKind::Stream, draft(seed, 0, 0), "stream route"),
        (
            RouteKind::Task,
            draft(VideoOptions::default(), 0, 2),
            "task route",
        ),
        (RouteKind::Unified, draft(six, 0, 0), "unified route"),
    ] {
        let target = target::resolve(&library, &keys, &overrides(&mock.base_url(), route)).unwrap();
        let refused = begin(&library, target, draft).err().expect(says);
        assert_eq!(refused.kind(), ErrorKind::InvalidInput);
        let text = refused.message(framecast_core::Lang::En);
        assert!(text.contains(says), "{text}");
        assert!(!refused.message(framecast_core::Lang::Zh).is_empty());
    }
    assert_eq!(library.count().unwrap(), 0, "nothing recorded");
    assert!(mock.requests().is_empty(), "nothing sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_records_the_model_sent_the_options_and_the_references() {
    let mock = MockGateway::start(MockConfig::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let library = Arc::new(Library::open(dir.path()).unwrap());
    let keys = framecast_library::Keys::file_only(dir.path(), framecast_core::Text::same("t"));
    let hd = VideoOptions {
        aspect: Some(ModelAspect::Landscape),
        resolution: Some(Resolution::K4),
        ..VideoOptions::default()
    };
    let stream = target::resolve(
        &library,
        &keys,
        &overrides(&mock.base_url(), RouteKind::Stream),
    )
    .unwrap();
    let mut d = draft(hd.clone(), 0, 0);
    d.request.model = "veo-3.1-fast".into();
    let started = begin(&library, stream, d).unwrap();
    let job = library.job(&started.spec.id).unwrap().unwrap();
    assert_eq!(job.model, "veo-3.1-landscape-fast_4k");
    assert_eq!(job.options, hd);
    let result = started.run(&framecast_core::Controls::new(), &|_| {}).await;
    assert!(result.ok, "{:?}", result.error);
    let post = mock.generation_posts().pop().unwrap();
    assert_eq!(post.body.unwrap()["model"], "veo-3.1-landscape-fast_4k");

    let unified = target::resolve(
        &library,
        &keys,
        &overrides(&mock.base_url(), RouteKind::Unified),
    )
    .unwrap();
    let started = begin(&library, unified, draft(VideoOptions::default(), 0, 2)).unwrap();
    let job = library.job(&started.spec.id).unwrap().unwrap();
    assert_eq!(job.model, "veo3.1-components");
    assert_eq!(job.route, RouteKind::Unified);
    assert_eq!(job.references.len(), 2);
    for sha in &job.references {
        library.frame(sha).unwrap();
    }
}

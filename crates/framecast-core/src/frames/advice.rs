//! What a person should know about their frames before paying: a frame whose shape is not the
//! video's (Veo crops or pads it), and a start and end frame that differ in shape or size. The
//! rules live here only: the CLI prints this advice, and the app's window shows what the shell
//! computes from it for the orientation the form has chosen, asked again when the model changes.

use super::aspect::{ModelAspect, Shape, ratios_differ};
use super::prepared::{FrameFacts, Warning, WarningCode};
use serde::Serialize;

/// The advice for the two slots. The pair's advice is about both frames; it is said once, on the
/// end frame.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Advice {
    pub start: Vec<Warning>,
    pub end: Vec<Warning>,
}

/// The advice for a start and an end frame, for a video of `aspect`.
pub fn advise(start: Option<&FrameFacts>, end: Option<&FrameFacts>, aspect: ModelAspect) -> Advice {
    let mut advice = Advice {
        start: start.and_then(|f| shape(f, aspect)).into_iter().collect(),
        end: end.and_then(|f| shape(f, aspect)).into_iter().collect(),
    };
    if let (Some(a), Some(b)) = (start, end) {
        advice.end.extend(pair(a, b));
    }
    advice
}

/// A frame whose shape is not the video's (a square one fits neither).
pub fn shape(facts: &FrameFacts, aspect: ModelAspect) -> Option<Warning> {
    let shape = Shape::of(facts.width, facts.height);
    if shape == aspect.shape() {
        return None;
    }
    let (s_en, s_zh) = shape.words();
    let ratio = match aspect {
        ModelAspect::Landscape => "16:9",
        ModelAspect::Portrait => "9:16",
    };
    Some(Warning::new(
        WarningCode::ShapeMismatch,
        format!("This image is {s_en}, the model makes {ratio} video: Veo will crop or pad it."),
        format!("此图片为{s_zh}，而模型生成 {ratio} 视频：Veo 会裁剪或填充。"),
    ))
}

/// A start and an end frame that differ in aspect ratio (by more than 1%) or, failing that, in
/// size.
pub fn pair(first: &FrameFacts, last: &FrameFacts) -> Option<Warning> {
    let (a, b) = (
        f64::from(first.width) / f64::from(first.height.max(1)),
        f64::from(last.width) / f64::from(last.height.max(1)),
    );
    if ratios_differ(a, b) {
        let (a, b) = (
            ratio_text(first.width, first.height),
            ratio_text(last.width, last.height),
        );
        return Some(Warning::new(
            WarningCode::PairAspect,
            format!("Start and end frames differ in shape ({a} vs {b})."),
            format!("首帧和尾帧的比例不同（{a} 与 {b}）。"),
        ));
    }
    if (first.width, first.height) != (last.width, last.height) {
        let a = format!("{}×{}", first.width, first.height);
        let b = format!("{}×{}", last.width, last.height);
        return Some(Warning::new(
            WarningCode::PairSize,
            format!("Start and end frames differ in size ({a} vs {b})."),
            format!("首帧和尾帧的尺寸不同（{a} 与 {b}）。"),
        ));
    }
    None
}

/// "16:9", "4:3", or "1.78:1" when the ratio has no small terms.
pub fn ratio_text(width: u32, height: u32) -> String {
    let gcd = |mut a: u32, mut b: u32| {
        while b != 0 {
            (a, b) = (b, a % b);
        }
        a.max(1)
    };
    let g = gcd(width, height);
    let (a, b) = (width / g, height / g);
    if a <= 32 && b <= 32 {
        format!("{a}:{b}")
    } else {
        format!("{:.2}:1", f64::from(width) / f64::from(height.max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::{FrameFacts, Orientation, Origin, SourceFacts, SourceFormat};

    fn facts(width: u32, height: u32) -> FrameFacts {
        FrameFacts {
            mime: "image/jpeg".into(),
            bytes: 1,
            width,
            height,
            shape: Shape::of(width, height),
            model_aspect: ModelAspect::Landscape,
            matches_model: true,
            sha256: String::new(),
            quality: None,
            source: SourceFacts {
                origin: Origin::Bytes,
                name: None,
                format: SourceFormat::Jpeg,
                bytes: 1,
                width,
                height,
                orientation: Orientation::default(),
            },
            actions: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn a_pair_differs_in_aspect_else_in_size_and_says_it_once_on_the_end() {
        let a = facts(1920, 1080);
        assert_eq!(pair(&a, &facts(1920, 1080)), None);
        assert_eq!(
            pair(&a, &facts(1280, 720)).map(|w| w.code),
            Some(WarningCode::PairSize)
        );
        let aspect = pair(&a, &facts(1600, 1200)).unwrap();
        assert_eq!(aspect.code, WarningCode::PairAspect);
        assert!(aspect.message.contains("16:9 vs 4:3"), "{aspect:?}");
        let advice = advise(Some(&a), Some(&facts(1280, 720)), ModelAspect::Landscape);
        assert!(advice.start.is_empty());
        assert_eq!(advice.end.len(), 1);
    }

    #[test]
    fn the_shape_follows_the_orientation_asked_about() {
        let portrait = facts(1080, 1920);
        assert!(shape(&portrait, ModelAspect::Portrait).is_none());
        let w = shape(&portrait, ModelAspect::Landscape).unwrap();
        assert!(
            w.message.contains("portrait") && w.message.contains("16:9"),
            "{w:?}"
        );
        assert!(
            shape(&facts(1000, 1000), ModelAspect::Portrait).is_some(),
            "square fits neither"
        );
        assert_eq!(ratio_text(1920, 1080), "16:9");
        assert_eq!(ratio_text(1000, 1001), "1.00:1");
    }
}

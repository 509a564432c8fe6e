//! Veo 3.1's options beyond the prompt and the frames — duration, resolution, aspect, negative
//! prompt, seed, audio, prompt enhancement and reference images — and what each route can carry.
//!
//! Three things live here, because they are one idea: what a person may ask for.
//! - [`VideoOptions`]: what was asked for; `None` leaves a choice to the gateway.
//! - [`Capabilities`]: what a route can carry, one table per route ([`Capabilities::of_route`]),
//!   refined by the models the profile's gateway lists ([`Capabilities::refine`]) and by the
//!   profile's own overrides ([`Capabilities::apply`]), each unsupported option with the reason.
//! - [`check`]: the combinations Veo refuses and the options the route cannot carry, refused in
//!   words before anything is recorded or sent. A request the gateway would silently misread is
//!   never paid for.
//!
//! The stream route carries options only in the model's name ([`stream_model`], a rule the UI
//! keeps too: `tests/rules.json` pins both).

use crate::error::{Error, Result, Text};
use crate::frames::ModelAspect;
use crate::job::RouteKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The durations Veo 3.1 makes, in seconds.
pub const DURATIONS: [u8; 3] = [4, 6, 8];

/// At most this many reference images.
pub const MAX_REFERENCES: usize = 3;

/// The longest negative prompt accepted, in characters.
pub const MAX_NEGATIVE_CHARS: usize = 2_000;

/// The model a create/query gateway makes reference-image videos with, when its model list
/// names none.
pub const COMPONENTS_MODEL: &str = "veo3.1-components";

/// How many pixels tall (or wide, in portrait) the video is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Resolution {
    #[serde(rename = "720p")]
    P720,
    #[serde(rename = "1080p")]
    P1080,
    #[serde(rename = "4k")]
    K4,
}

impl Resolution {
    pub const ALL: [Self; 3] = [Self::P720, Self::P1080, Self::K4];

    /// `720p`, `1080p`, `4k`: Google's names.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::P720 => "720p",
            Self::P1080 => "1080p",
            Self::K4 => "4k",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// Width × height of a video of this resolution in `aspect`.
    pub fn size(self, aspect: ModelAspect) -> (u32, u32) {
        let (long, short) = match self {
            Self::P720 => (1280, 720),
            Self::P1080 => (1920, 1080),
            Self::K4 => (3840, 2160),
        };
        match aspect {
            ModelAspect::Landscape => (long, short),
            ModelAspect::Portrait => (short, long),
        }
    }
}

/// `16:9` or `9:16`, as Google and the gateways write an aspect.
pub fn ratio_name(aspect: ModelAspect) -> &'static str {
    match aspect {
        ModelAspect::Landscape => "16:9",
        ModelAspect::Portrait => "9:16",
    }
}

/// `16:9` (or `landscape`) and `9:16` (or `portrait`).
pub fn parse_ratio(s: &str) -> Option<ModelAspect> {
    match s.trim().to_ascii_lowercase().as_str() {
        "16:9" | "landscape" => Some(ModelAspect::Landscape),
        "9:16" | "portrait" => Some(ModelAspect::Portrait),
        _ => None,
    }
}

/// What a person asked for beyond the prompt and the frames. `None` leaves it to the gateway
/// (Veo's defaults: 8 s, 720p, 16:9, with audio); nothing unasked is sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct VideoOptions {
    /// Seconds: 4, 6 or 8.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub duration: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub resolution: Option<Resolution>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub aspect: Option<ModelAspect>,
    /// What the video should not show.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub negative_prompt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub seed: Option<u32>,
    /// `false`: a silent video. `None`: the gateway's default (sound).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub audio: Option<bool>,
    /// Let the gateway rewrite the prompt before generating.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub enhance_prompt: Option<bool>,
}

impl VideoOptions {
    /// Nothing asked for.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Blank text counts as not given.
    pub fn normalized(mut self) -> Self {
        self.negative_prompt = self
            .negative_prompt
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        self
    }

    /// The options asked for, by name (the reference images are counted apart).
    pub fn asked(&self) -> Vec<VideoOption> {
        let mut asked = Vec::new();
        let mut ask = |set: bool, option| {
            if set {
                asked.push(option);
            }
        };
        ask(self.duration.is_some(), VideoOption::Duration);
        ask(self.resolution.is_some(), VideoOption::Resolution);
        ask(self.aspect.is_some(), VideoOption::Aspect);
        ask(self.negative_prompt.is_some(), VideoOption::NegativePrompt);
        ask(self.seed.is_some(), VideoOption::Seed);
        ask(self.audio.is_some(), VideoOption::Audio);
        ask(
            self.enhance_prompt == Some(true),
            VideoOption::EnhancePrompt,
        );
        asked
    }

    /// One line for people: `8 s · 1080p · 16:9 · seed 7 · no audio`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = self.duration {
            parts.push(format!("{d} s"));
        }
        if let Some(r) = self.resolution {
            parts.push(r.as_str().to_owned());
        }
        if let Some(a) = self.aspect {
            parts.push(ratio_name(a).to_owned());
        }
        if let Some(s) = self.seed {
            parts.push(format!("seed {s}"));
        }
        if self.audio == Some(false) {
            parts.push("no audio".to_owned());
        }
        if self.enhance_prompt == Some(true) {
            parts.push("enhanced prompt".to_owned());
        }
        if let Some(n) = &self.negative_prompt {
            parts.push(format!("not: {}", crate::text::shorten(n, 40)));
        }
        parts.join(" · ")
    }
}

/// One option, by name: the keys of the capability table and of a profile's overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub enum VideoOption {
    Duration,
    Resolution,
    Aspect,
    NegativePrompt,
    Seed,
    Audio,
    EnhancePrompt,
    References,
}

impl VideoOption {
    pub const ALL: [Self; 8] = [
        Self::Duration,
        Self::Resolution,
        Self::Aspect,
        Self::NegativePrompt,
        Self::Seed,
        Self::Audio,
        Self::EnhancePrompt,
        Self::References,
    ];

    /// What a person calls it.
    pub fn name(self) -> Text {
        let (en, zh) = match self {
            Self::Duration => ("the duration", "时长"),
            Self::Resolution => ("the resolution", "分辨率"),
            Self::Aspect => ("the aspect ratio", "画面比例"),
            Self::NegativePrompt => ("a negative prompt", "反向提示词"),
            Self::Seed => ("a seed", "随机种子"),
            Self::Audio => ("turning audio off", "关闭声音"),
            Self::EnhancePrompt => ("prompt enhancement", "提示词优化"),
            Self::References => ("reference images", "参考图"),
        };
        Text::new(en, zh)
    }
}

/// Whether a route carries one option, and why not when it does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Capability {
    pub option: VideoOption,
    pub supported: bool,
    /// The route has a field for it (a profile may turn on only what the route can say).
    pub encodable: bool,
    /// Why it is not supported, in both languages.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reason: Option<Text>,
}

/// What one route of one gateway can carry: the form shows only these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Capabilities {
    pub route: RouteKind,
    /// Every option, in [`VideoOption::ALL`]'s order.
    pub options: Vec<Capability>,
    /// The durations the route can ask for.
    pub durations: Vec<u8>,
    /// The resolutions the route can ask for.
    pub resolutions: Vec<Resolution>,
    /// The model reference-image videos are made with on this route, when it is not the
    /// model chosen (the create/query dialect's `…-components`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reference_model: Option<String>,
}

/// A profile's own word on what its gateway carries, over its route's table: `{"seed": false}`.
pub type Overrides = BTreeMap<VideoOption, bool>;

impl Capabilities {
    /// The table for `route`: what its wire format has a field for (see `docs/design.md`,
    /// "Routes and options").
    pub fn of_route(route: RouteKind) -> Self {
        use VideoOption as O;
        let no = |en: &str, zh: &str| Some(Text::new(en, zh));
        let mut caps = Self {
            route,
            options: Vec::new(),
            durations: DURATIONS.to_vec(),
            resolutions: Resolution::ALL.to_vec(),
            reference_model: None,
        };
        for option in VideoOption::ALL {
            let reason = match (route, option) {
                (RouteKind::Stream, O::Duration) => no(
                    "the stream route's model names carry no duration: its videos are 8 seconds",
                    "流式接口的模型名称不含时长：视频为 8 秒",
                ),
                (RouteKind::Stream, O::NegativePrompt | O::Seed | O::Audio | O::EnhancePrompt) => {
                    no(
                        "the stream route carries only what a model name can say (orientation, speed, frames, reference images, 1080p or 4k); choose the task or create/query route for this",
                        "流式接口只能传递模型名称能表达的内容（方向、速度、首尾帧、参考图、1080p 或 4k）；如需此项请选择任务接口或创建/查询接口",
                    )
                }
                (RouteKind::Task, O::EnhancePrompt) => no(
                    "not every /v1/videos gateway passes prompt enhancement on; turn it on in the profile if yours does",
                    "并非所有 /v1/videos 网关都会转交提示词优化；若您的网关支持，请在配置中开启",
                ),
                (RouteKind::Task, O::References) => no(
                    "the /v1/videos route's one image field is the start frame; it has none for reference images",
                    "/v1/videos 接口唯一的图片字段是开始帧，没有参考图字段",
                ),
                (RouteKind::Unified, O::Duration) => no(
                    "the create/query route has no duration field: its videos are 8 seconds",
                    "创建/查询接口没有时长字段：视频为 8 秒",
                ),
                (RouteKind::Unified, O::NegativePrompt | O::Seed | O::Audio) => no(
                    "the create/query route has no field for this",
                    "创建/查询接口没有此字段",
                ),
                _ => None,
            };
            let encodable = !matches!(
                (route, option),
                (
                    RouteKind::Stream,
                    O::Duration | O::NegativePrompt | O::Seed | O::Audio | O::EnhancePrompt
                ) | (RouteKind::Task, O::References)
                    | (
                        RouteKind::Unified,
                        O::Duration | O::NegativePrompt | O::Seed | O::Audio
                    )
            );
            caps.options.push(Capability {
                option,
                supported: reason.is_none(),
                encodable,
                reason,
            });
        }
        match route {
            RouteKind::Stream => caps.durations = vec![8],
            RouteKind::Unified => {
                caps.durations = vec![8];
                // `enable_upsample` makes 1080p; there is no 4k field.
                caps.resolutions = vec![Resolution::P720, Resolution::P1080];
                caps.reference_model = Some(COMPONENTS_MODEL.to_owned());
            }
            RouteKind::Task => {}
        }
        caps
    }

    /// Whether `option` can be carried.
    pub fn supports(&self, option: VideoOption) -> bool {
        self.get(option).is_some_and(|c| c.supported)
    }

    pub fn get(&self, option: VideoOption) -> Option<&Capability> {
        self.options.iter().find(|c| c.option == option)
    }

    fn set(&mut self, option: VideoOption, reason: Option<Text>) {
        if let Some(c) = self.options.iter_mut().find(|c| c.option == option) {
            c.supported = reason.is_none();
            c.reason = reason;
        }
    }

    /// What the models the profile's gateway lists (its last connection test) say: on the
    /// stream route a resolution or reference images need a model name that carries them; on
    /// the create/query route reference images need a `components` model. An empty list (never
    /// tested) changes nothing.
    pub fn refine(mut self, models: &[String]) -> Self {
        if models.is_empty() {
            return self;
        }
        let lower: Vec<String> = models.iter().map(|m| m.to_ascii_lowercase()).collect();
        let lists = |word: &str| lower.iter().any(|m| m.contains(word));
        match self.route {
            RouteKind::Stream => {
                self.resolutions.retain(|r| match r {
                    Resolution::P720 => true,
                    Resolution::P1080 => lists("_1080p"),
                    Resolution::K4 => lists("_4k"),
                });
                if self.resolutions.len() == 1 {
                    self.set(
                        VideoOption::Resolution,
                        Some(Text::new(
                            "your gateway lists no model ending in _1080p or _4k",
                            "您的网关没有以 _1080p 或 _4k 结尾的模型",
                        )),
                    );
                }
                if self.supports(VideoOption::References) && !lists("r2v") {
                    self.set(
                        VideoOption::References,
                        Some(Text::new(
                            "your gateway lists no reference-image (r2v) model",
                            "您的网关没有参考图（r2v）模型",
                        )),
                    );
                }
            }
            RouteKind::Unified => {
                match models
                    .iter()
                    .find(|m| m.to_ascii_lowercase().contains("components"))
                {
                    Some(m) => self.reference_model = Some(m.clone()),
                    None => self.set(
                        VideoOption::References,
                        Some(Text::new(
                            "your gateway lists no reference-image (components) model",
                            "您的网关没有参考图（components）模型",
                        )),
                    ),
                }
            }
            RouteKind::Task => {}
        }
        self
    }

    /// A profile's overrides: an option can always be turned off, and turned on only where the
    /// route has a field for it.
    pub fn apply(mut self, overrides: &Overrides) -> Self {
        for (&option, &on) in overrides {
            let Some(c) = self.get(option).cloned() else {
                continue;
            };
            if !on {
                self.set(
                    option,
                    Some(Text::new(
                        "turned off for this gateway in its profile",
                        "已在此网关的配置中关闭",
                    )),
                );
            } else if c.encodable {
                self.set(option, None);
            }
        }
        self
    }

    /// The model a job is sent with on this route: the chosen one, or the reference model.
    pub fn model_for(&self, chosen: &str, references: usize) -> String {
        match (&self.reference_model, references) {
            (Some(m), 1..) => m.clone(),
            _ => chosen.to_owned(),
        }
    }
}

/// Refuses what Veo would refuse and what the route cannot carry, before anything is recorded
/// or sent. `frames` counts the start and end frames, `references` the reference images.
pub fn check(
    options: &VideoOptions,
    frames: usize,
    references: usize,
    caps: &Capabilities,
) -> Result<()> {
    if references > MAX_REFERENCES {
        return Err(Error::invalid_input(
            format!("Veo takes at most {MAX_REFERENCES} reference images, not {references}"),
            format!("Veo 最多接受 {MAX_REFERENCES} 张参考图，而不是 {references} 张"),
        ));
    }
    if references > 0 && frames > 0 {
        return Err(Error::invalid_input(
            "reference images cannot be combined with start or end frames: remove one or the other",
            "参考图不能与开始帧或结束帧同时使用：请移除其中之一",
        ));
    }
    if let Some(d) = options.duration
        && !DURATIONS.contains(&d)
    {
        return Err(Error::invalid_input(
            format!("Veo makes videos of 4, 6 or 8 seconds, not {d}"),
            format!("Veo 只能生成 4、6 或 8 秒的视频，而不是 {d} 秒"),
        ));
    }
    let short = options.duration.filter(|&d| d < 8);
    if let (Some(d), Some(r @ (Resolution::P1080 | Resolution::K4))) = (short, options.resolution) {
        return Err(Error::invalid_input(
            format!("{} needs an 8-second video, not {d} seconds", r.as_str()),
            format!("{} 需要 8 秒的视频，而不是 {d} 秒", r.as_str()),
        ));
    }
    if let (Some(d), 1..) = (short, references) {
        return Err(Error::invalid_input(
            format!("reference images need an 8-second video, not {d} seconds"),
            format!("参考图需要 8 秒的视频，而不是 {d} 秒"),
        ));
    }
    if let Some(n) = &options.negative_prompt
        && n.chars().count() > MAX_NEGATIVE_CHARS
    {
        return Err(Error::invalid_input(
            format!("the negative prompt is longer than {MAX_NEGATIVE_CHARS} characters"),
            format!("反向提示词超过 {MAX_NEGATIVE_CHARS} 个字符"),
        ));
    }
    let mut asked = options.asked();
    if references > 0 {
        asked.push(VideoOption::References);
    }
    for option in asked {
        // Asking for what the route does anyway (8 s where 8 s is all it makes) is no problem.
        let default_duration =
            option == VideoOption::Duration && options.duration == Some(8) && caps.durations == [8];
        if !caps.supports(option) && !default_duration {
            return Err(cannot_carry(option, caps));
        }
    }
    if let Some(d) = options.duration
        && !caps.durations.contains(&d)
    {
        return Err(Error::invalid_input(
            format!("this route cannot ask for {d}-second videos"),
            format!("此接口无法请求 {d} 秒的视频"),
        ));
    }
    if let Some(r) = options.resolution
        && !caps.resolutions.contains(&r)
    {
        return Err(Error::invalid_input(
            format!(
                "this gateway cannot make {} videos on this route",
                r.as_str()
            ),
            format!("此网关无法通过此接口生成 {} 视频", r.as_str()),
        ));
    }
    Ok(())
}

fn cannot_carry(option: VideoOption, caps: &Capabilities) -> Error {
    let name = option.name();
    let reason = caps
        .get(option)
        .and_then(|c| c.reason.clone())
        .unwrap_or_default();
    Error::invalid_input(
        format!(
            "{} cannot be sent on the {} route: {}",
            capitalized(&name.en),
            caps.route.as_str(),
            reason.en
        ),
        format!(
            "{}无法通过{}发送：{}",
            name.zh,
            route_name_zh(caps.route),
            reason.zh
        ),
    )
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn route_name_zh(route: RouteKind) -> &'static str {
    match route {
        RouteKind::Stream => "流式接口",
        RouteKind::Task => "任务接口",
        RouteKind::Unified => "创建/查询接口",
    }
}

/// A model name of Veo's family on a stream gateway, taken apart: `veo-3.1`, then `-landscape`,
/// `-fast`, `-fl` (frames) or `-r2v` (reference images), then `_1080p` or `_4k`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamModel {
    pub landscape: bool,
    pub fast: bool,
    pub frames: bool,
    pub references: bool,
    pub resolution: Resolution,
}

impl StreamModel {
    /// The parts of `name`, if it is one of the names [`Self::name`] composes (any case).
    pub fn parse(name: &str) -> Option<Self> {
        let lower = name.trim().to_ascii_lowercase();
        let (rest, resolution) = if let Some(r) = lower.strip_suffix("_1080p") {
            (r, Resolution::P1080)
        } else if let Some(r) = lower.strip_suffix("_4k") {
            (r, Resolution::K4)
        } else {
            (lower.as_str(), Resolution::P720)
        };
        let mut rest = rest.strip_prefix("veo-3.1")?;
        let mut take = |word: &str| match rest.strip_prefix(word) {
            Some(r) => {
                rest = r;
                true
            }
            None => false,
        };
        let landscape = take("-landscape");
        if !landscape {
            take("-portrait");
        }
        let fast = take("-fast");
        let frames = take("-fl");
        let references = !frames && take("-r2v");
        rest.is_empty().then_some(Self {
            landscape,
            fast,
            frames,
            references,
            resolution,
        })
    }

    /// The name: `veo-3.1` + `-landscape` + `-fast` + `-fl`|`-r2v` + `_1080p`|`_4k`.
    pub fn name(&self) -> String {
        let mut name = "veo-3.1".to_owned();
        if self.landscape {
            name.push_str("-landscape");
        }
        if self.fast {
            name.push_str("-fast");
        }
        if self.references {
            name.push_str("-r2v");
        } else if self.frames {
            name.push_str("-fl");
        }
        match self.resolution {
            Resolution::P720 => {}
            Resolution::P1080 => name.push_str("_1080p"),
            Resolution::K4 => name.push_str("_4k"),
        }
        name
    }
}

/// The model name a stream job is sent with: `model` with what the options and the reference
/// images ask for said in it. A name of another family is sent as it is when it already says
/// it, and refused when it would have to say more.
pub fn stream_model(model: &str, options: &VideoOptions, references: usize) -> Result<String> {
    let wants_name = options.resolution.is_some_and(|r| r != Resolution::P720)
        || references > 0
        || options
            .aspect
            .is_some_and(|a| ModelAspect::of_model(model).is_some_and(|m| m != a));
    if !wants_name {
        return Ok(model.trim().to_owned());
    }
    let Some(mut parts) = StreamModel::parse(model) else {
        return Err(Error::invalid_input(
            format!(
                "the model name “{}” is not one Framecast can add options to on the stream route: choose a veo-3.1 model, or name the variant yourself",
                crate::text::shorten(model.trim(), 60)
            ),
            format!(
                "无法在流式接口上为模型名称“{}”添加选项：请选择 veo-3.1 模型，或自行填写变体名称",
                crate::text::shorten(model.trim(), 60)
            ),
        ));
    };
    if let Some(aspect) = options.aspect {
        parts.landscape = aspect == ModelAspect::Landscape;
    }
    if let Some(r) = options.resolution {
        parts.resolution = r;
    }
    if references > 0 {
        parts.references = true;
        parts.frames = false;
    }
    Ok(parts.name())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> VideoOptions {
        VideoOptions::default()
    }

    #[test]
    fn each_route_has_its_table() {
        let stream = Capabilities::of_route(RouteKind::Stream);
        assert!(stream.supports(VideoOption::Resolution));
        assert!(stream.supports(VideoOption::References));
        assert!(!stream.supports(VideoOption::Seed));
        let task = Capabilities::of_route(RouteKind::Task);
        assert!(task.supports(VideoOption::Seed));
        assert!(!task.supports(VideoOption::References));
        assert!(!task.supports(VideoOption::EnhancePrompt));
        let unified = Capabilities::of_route(RouteKind::Unified);
        assert!(unified.supports(VideoOption::EnhancePrompt));
        assert!(!unified.supports(VideoOption::Seed));
        assert_eq!(unified.resolutions, [Resolution::P720, Resolution::P1080]);
        for caps in [stream, task, unified] {
            for c in &caps.options {
                assert_eq!(c.supported, c.reason.is_none(), "{c:?}");
            }
        }
    }

    #[test]
    fn veo_refuses_these_combinations() {
        let task = Capabilities::of_route(RouteKind::Task);
        let stream = Capabilities::of_route(RouteKind::Stream);
        let refused = |o: &VideoOptions, frames, refs, caps: &Capabilities| {
            check(o, frames, refs, caps)
                .unwrap_err()
                .message(crate::Lang::En)
        };
        assert!(refused(&opts(), 0, 4, &stream).contains("at most 3"));
        assert!(refused(&opts(), 1, 1, &stream).contains("cannot be combined"));
        let short_hd = VideoOptions {
            duration: Some(6),
            resolution: Some(Resolution::P1080),
            ..opts()
        };
        assert!(refused(&short_hd, 0, 0, &task).contains("8-second"));
        let five = VideoOptions {
            duration: Some(5),
            ..opts()
        };
        assert!(refused(&five, 0, 0, &task).contains("4, 6 or 8"));
        let seed = VideoOptions {
            seed: Some(1),
            ..opts()
        };
        assert!(refused(&seed, 0, 0, &stream).contains("stream route"));
        assert!(check(&seed, 0, 0, &task).is_ok());
        let eight = VideoOptions {
            duration: Some(8),
            ..opts()
        };
        assert!(check(&eight, 0, 0, &stream).is_ok(), "8 s is what it makes");
    }

    #[test]
    fn the_model_list_and_the_profile_refine_the_table() {
        let listed = |names: &[&str]| names.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let stream = Capabilities::of_route(RouteKind::Stream).refine(&listed(&["veo-3.1"]));
        assert!(!stream.supports(VideoOption::References));
        assert!(!stream.supports(VideoOption::Resolution));
        let stream =
            Capabilities::of_route(RouteKind::Stream).refine(&listed(&["veo-3.1-fast_1080p"]));
        assert_eq!(stream.resolutions, [Resolution::P720, Resolution::P1080]);
        let unified =
            Capabilities::of_route(RouteKind::Unified).refine(&listed(&["veo3.1-components-x"]));
        assert_eq!(unified.model_for("veo3.1", 2), "veo3.1-components-x");
        assert_eq!(unified.model_for("veo3.1", 0), "veo3.1");
        let task = Capabilities::of_route(RouteKind::Task).apply(&Overrides::from([
            (VideoOption::Seed, false),
            (VideoOption::EnhancePrompt, true),
            (VideoOption::References, true),
        ]));
        assert!(!task.supports(VideoOption::Seed));
        assert!(task.supports(VideoOption::EnhancePrompt));
        assert!(!task.supports(VideoOption::References), "no field for it");
    }

    #[test]
    fn stream_names_say_the_options() {
        let hd = VideoOptions {
            resolution: Some(Resolution::K4),
            aspect: Some(ModelAspect::Landscape),
            ..opts()
        };
        assert_eq!(
            stream_model("veo-3.1-fast", &hd, 0).unwrap(),
            "veo-3.1-landscape-fast_4k"
        );
        assert_eq!(
            stream_model("veo-3.1-fast-fl", &opts(), 2).unwrap(),
            "veo-3.1-fast-r2v"
        );
        assert_eq!(stream_model("my-model", &opts(), 0).unwrap(), "my-model");
        assert!(stream_model("my-model", &hd, 0).is_err());
        assert_eq!(
            StreamModel::parse("VEO-3.1-Landscape-Fast-R2V_1080p")
                .unwrap()
                .name(),
            "veo-3.1-landscape-fast-r2v_1080p"
        );
    }
}

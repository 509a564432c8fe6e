//! The engine's side of the rules the UI keeps too (orientation from a model name, the model
//! name's problems, the stream's model names that say the options, the price tier, the estimate
//! and its rounding, the video id), checked
//! against the cases in `rules.json`, which the UI's `rules.test.ts` reads as well: when either
//! side changes a rule, one of the two fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framecast_core::frames::ModelAspect;
use framecast_core::price::{PriceTable, cents};
use framecast_core::request::{ModelProblem, model_problem};
use serde_json::Value;

fn cases(rule: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(include_str!("rules.json")).unwrap();
    all[rule].as_array().unwrap().clone()
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap()
}

#[test]
fn orientation_from_a_model_name() {
    for case in cases("orientation") {
        let want = case["is"].as_str().map(|s| match s {
            "portrait" => ModelAspect::Portrait,
            _ => ModelAspect::Landscape,
        });
        assert_eq!(ModelAspect::of_model(text(&case["model"])), want, "{case}");
    }
}

#[test]
fn what_is_wrong_with_a_model_name() {
    for case in cases("modelName") {
        let want: Option<ModelProblem> = serde_json::from_value(case["problem"].clone()).unwrap();
        assert_eq!(model_problem(text(&case["name"])), want, "{case}");
    }
}

#[test]
fn a_stream_model_name_says_the_options() {
    use framecast_core::options::{Resolution, StreamModel};
    for case in cases("streamModel") {
        let parts = StreamModel {
            landscape: case["orientation"] == "landscape",
            fast: case["speed"] == "fast",
            frames: case["frames"] == true,
            references: case["references"] == true,
            resolution: Resolution::parse(text(&case["resolution"])).unwrap(),
        };
        let name = text(&case["name"]);
        assert_eq!(parts.name(), name, "{case}");
        let back = StreamModel::parse(name).unwrap();
        assert_eq!(back.name(), name, "{case}");
    }
}

#[test]
fn price_tiers_estimates_and_cents() {
    let table = PriceTable::default();
    for case in cases("priceTier") {
        let want = if case["tier"] == "fast" {
            table.fast
        } else {
            table.standard
        };
        assert_eq!(table.per_video(text(&case["model"])), want, "{case}");
    }
    for case in cases("estimate") {
        let n = u32::try_from(case["n"].as_u64().unwrap()).unwrap();
        let usd = table.estimate(text(&case["model"]), n);
        assert_eq!(usd, case["usd"].as_f64().unwrap(), "{case}");
    }
    for case in cases("cents") {
        let sum = case["usd"].as_f64().unwrap() + case["plus"].as_f64().unwrap();
        assert_eq!(cents(sum), case["is"].as_f64().unwrap(), "{case}");
    }
}

#[test]
fn video_ids() {
    for case in cases("videoId") {
        let index = u8::try_from(case["index"].as_u64().unwrap()).unwrap();
        let id = framecast_core::id::video_id(text(&case["job"]), index);
        assert_eq!(id, text(&case["id"]));
        let (job, back) = framecast_core::id::parse_video_id(&id).unwrap();
        assert_eq!(
            (job.to_string(), back),
            (text(&case["job"]).to_owned(), index)
        );
    }
}

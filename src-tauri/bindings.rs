//! The TypeScript types of everything that crosses IPC, generated from the Rust types with ts-rs
//! into `ui/src/lib/bindings/`. `scripts/test` regenerates them and fails if the committed files
//! differ, so the UI can never drift from the commands it calls.

use crate::commands::app::{AppInfo, QuitChoice};
use crate::commands::frames::FrameView;
use crate::commands::jobs::{JobUpdate, StartJob};
use crate::commands::options::{ReferenceSetView, ReferenceView};
use crate::commands::prompt::PromptRequest;
use crate::commands::settings::SettingsView;
use crate::state::Busy;
use framecast_core::check::CheckReport;
use framecast_library::{JobRecord, LibraryFilter, LibraryPage, ModelCount, SpendReport};
use framecast_library::{KeyStoreStatus, ProfileDraft};
use std::path::Path;
use ts_rs::{Config, TS};

#[test]
fn export_bindings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings");
    // Byte counts and sizes fit a JavaScript number; bigint would not survive JSON.
    let cfg = Config::new().with_large_int("number").with_out_dir(&dir);
    AppInfo::export_all(&cfg).unwrap();
    FrameView::export_all(&cfg).unwrap();
    framecast_core::Event::export_all(&cfg).unwrap();
    framecast_core::frames::Advice::export_all(&cfg).unwrap();
    crate::commands::batch::BatchUpdate::export_all(&cfg).unwrap();
    crate::commands::batch::PlanView::export_all(&cfg).unwrap();
    crate::commands::batch::BatchAction::export_all(&cfg).unwrap();
    framecast_library::BatchRecord::export_all(&cfg).unwrap();
    framecast_jobs::batch::plan::Defaults::export_all(&cfg).unwrap();
    StartJob::export_all(&cfg).unwrap();
    JobUpdate::export_all(&cfg).unwrap();
    JobRecord::export_all(&cfg).unwrap();
    QuitChoice::export_all(&cfg).unwrap();
    Busy::export_all(&cfg).unwrap();
    SettingsView::export_all(&cfg).unwrap();
    ProfileDraft::export_all(&cfg).unwrap();
    KeyStoreStatus::export_all(&cfg).unwrap();
    CheckReport::export_all(&cfg).unwrap();
    LibraryFilter::export_all(&cfg).unwrap();
    LibraryPage::export_all(&cfg).unwrap();
    ModelCount::export_all(&cfg).unwrap();
    SpendReport::export_all(&cfg).unwrap();
    framecast_core::Capabilities::export_all(&cfg).unwrap();
    ReferenceView::export_all(&cfg).unwrap();
    ReferenceSetView::export_all(&cfg).unwrap();
    PromptRequest::export_all(&cfg).unwrap();
    framecast_core::prompt::PromptEvent::export_all(&cfg).unwrap();
    framecast_core::prompt::Help::export_all(&cfg).unwrap();
    framecast_library::Storyboard::export_all(&cfg).unwrap();
    framecast_library::ShotRecord::export_all(&cfg).unwrap();
    framecast_library::ShotDraft::export_all(&cfg).unwrap();
    framecast_jobs::storyboard::StoryEvent::export_all(&cfg).unwrap();
    crate::commands::storyboard::StoryPlanView::export_all(&cfg).unwrap();
    crate::commands::storyboard::ExportKind::export_all(&cfg).unwrap();
}

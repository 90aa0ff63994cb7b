//! Fixtures shared by the benchmarks, all from the core's testkit (the
//! tests' fixtures too): the 30-activity-type model, the shipped rules, and
//! "hot lead" requests with a chosen number of activities.

// Each test or bench binary uses its own part of these fixtures, re-exports
// included.
#![allow(dead_code, unused_imports)]

// The integration tests' helpers (real servers, `wire`), loaded once here.
#[path = "../../tests/common/mod.rs"]
pub mod common;

use std::path::Path;
use std::sync::Arc;

use common::wire;
use leadscore::grpc::convert::timestamp;
use leadscore::model::ModelFile;
use leadscore::pb::v1 as pb;
use leadscore::rules::Rules;
use leadscore::scoring::Scorer;
use leadscore_core::testkit::{self, ModelBuilder};

pub use common::shipped_rules;
pub use leadscore_core::testkit::{HOT_ACTIVITIES, NOW, WIDE_TYPES as TYPES};
pub use wire::request;

/// Version (file name) of the benchmark model.
pub const MODEL_VERSION: &str = "20260601T000000Z-bench30";
/// Activities of the "heavy" lead.
pub const HEAVY_ACTIVITIES: usize = 200;
/// Leads in a batch.
pub const BATCH: usize = 1_000;

/// A valid model file over [`TYPES`] with deterministic weights.
pub fn model_file() -> ModelFile {
    let model = ModelBuilder::wide(MODEL_VERSION).build();
    model.validate().expect("benchmark model is valid");
    model
}

/// Writes [`model_file`] into `dir` as the service expects it.
pub fn write_model(dir: &Path) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(&model_file()).map_err(std::io::Error::other)?;
    std::fs::write(dir.join(format!("{MODEL_VERSION}.json")), json)
}

/// A scorer with the benchmark model and the shipped rules.
pub fn scorer() -> Scorer {
    let rules = Rules::load(&shipped_rules()).expect("shipped rules load");
    let model = leadscore::model::LinearModel::new(model_file());
    Scorer::new(Arc::new(model), Arc::new(rules))
}

/// The tests' "hot lead" with `activities` activities (`testkit::hot_lead`).
pub fn hot_lead(id: &str, activities: usize) -> pb::Lead {
    wire::lead(&testkit::hot_lead(id, activities))
}

/// `ScoreLeads` request of `n` hot leads with `activities` activities each.
pub fn batch_request(n: usize, activities: usize) -> pb::ScoreLeadsRequest {
    pb::ScoreLeadsRequest {
        leads: (0..n)
            .map(|i| hot_lead(&format!("bench-batch-{i:05}"), activities))
            .collect(),
        as_of: Some(timestamp(NOW)),
    }
}

//! The core's fixtures (`leadscore_core::testkit`) as protobuf messages,
//! shared by the integration tests (`tests/common`) and the benchmarks
//! (`benches/support` includes this file by path), so each conversion is
//! written once. Times become `google.protobuf.Timestamp` here and only here.

use leadscore::grpc::convert::timestamp;
use leadscore::grpc::lead_convert;
use leadscore::lead::Lead;
use leadscore::pb::v1 as pb;
use leadscore_core::testkit::NOW;

/// `l` as a `ScoreLead` message (profile, BANT, activities).
pub fn lead(l: &Lead) -> pb::Lead {
    pb::Lead {
        lead_id: l.id.clone(),
        profile: Some(lead_convert::profile(&l.profile)),
        bant: Some(lead_convert::bant(&l.bant)),
        activities: l
            .activities
            .iter()
            .map(|a| pb::Activity {
                r#type: a.activity_type.clone(),
                occurred_at: Some(timestamp(a.occurred_at)),
                event_id: a.event_id.clone().unwrap_or_default(),
                ..Default::default()
            })
            .collect(),
        activity_counts: Default::default(),
    }
}

/// `ScoreLead` request for `lead` as of [`NOW`].
pub fn request(lead: pb::Lead) -> pb::ScoreLeadRequest {
    pb::ScoreLeadRequest {
        lead: Some(lead),
        as_of: Some(timestamp(NOW)),
    }
}

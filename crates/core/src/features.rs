//! Feature computation shared, verbatim, by the service and the training job.
//!
//! A model sees a lead through a [`FeatureSpec`]: one feature per known
//! activity type and one indicator per known categorical value. Activity
//! features are built in three steps:
//!
//! 1. **Clean**: activities after `as_of` are ignored (an activity *at*
//!    `as_of` counts), repeated event ids count once, and repeats of the same
//!    type within `dedupe_window_seconds` (bots, double clicks) count once.
//! 2. **Decay**: each remaining activity weighs `0.5^(age / half_life)`, so
//!    warmth fades; with no half-life every activity weighs 1. The half-life
//!    is the activity type's own where the spec has one
//!    ([`FeatureSpec::half_life_days_by_type`], learned per type by the
//!    training job), else the shared [`FeatureSpec::half_life_days`].
//! 3. **Diminishing returns**: the feature is `ln(1 + decayed count)`.
//!
//! Pre-aggregated counts (for callers that only keep totals, and the wide
//! training shape) carry no time: they are added undecayed. Activity types
//! the spec does not know are reported as *unscored* and contribute nothing.
//!
//! Training computes its design matrix with [`CompiledFeatures::compute`]
//! and the service scores with the same function: there is no second copy
//! to drift (training/serving skew is a bug).
//!
//! - [`decay`]: decay weights and the dedupe chain rule ([`Decay`]).
//! - [`state`]: a lead's [`LeadFeatureState`], the same features kept up
//!   to date one activity at a time, through the same [`Decay`] and the
//!   same finishing step (counts, `ln(1 + x)`, indicators) as `compute`.

use std::collections::{BTreeMap, HashMap, HashSet};

use foldhash::fast::RandomState;

use serde::{Deserialize, Serialize};

pub mod cutoff;
pub mod decay;
pub mod state;

pub use decay::{Decay, TypeDecay};
pub use state::{Applied, LeadFeatureState, Replay, StateError};

use crate::spelling::Spelled;
use crate::time::{Span, Timestamp};

/// The time a closed lead's features are computed for when its activity
/// times are instants: one microsecond before its outcome, so nothing at
/// or after the outcome counts (the leakage rule; date-only times cut at
/// the outcome's day, see [`cutoff`]). Training rows and the outcome
/// scores pipeline health judges both use it, so a model card and a live
/// check mean the same.
pub fn outcome_as_of(outcome_at: Timestamp) -> Timestamp {
    outcome_at.saturating_sub(Span::micros(1))
}

/// Marketing funnel stage of an activity type. Spelled by
/// [`FunnelStage::as_str`] in model files and model cards, and by
/// [`FunnelStage::label`] in explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunnelStage {
    /// Top of funnel: blog reads, page views, social.
    Tofu,
    /// Middle of funnel: webinars, case studies, comparison sheets.
    Mofu,
    /// Bottom of funnel: pricing page, demo request, contact sales, trial.
    Bofu,
    /// Signals against buying: unsubscribes, hard bounces.
    Negative,
    /// Not in the built-in catalog.
    Unclassified,
}

/// Top-of-funnel types of the built-in catalog (normalized names).
const TOFU: &[&str] = &[
    "blog_read",
    "page_view",
    "social_engagement",
    "email_open",
    "email_opened",
    "ad_click",
    "website_visit",
    "newsletter_signup",
];
/// Middle-of-funnel types.
const MOFU: &[&str] = &[
    "webinar_attended",
    "webinar_registration",
    "case_study_download",
    "white_paper_download",
    "whitepaper_download",
    "comparison_sheet_download",
    "email_click",
    "email_link_clicked",
    "event_attended",
    "product_tour",
];
/// Bottom-of-funnel types (hand-raises and buying signals).
const BOFU: &[&str] = &[
    "pricing_page_view",
    "demo_request",
    "contact_sales",
    "free_trial",
    "trial_signup",
    "quote_request",
];
/// Types that signal against buying.
const NEGATIVE: &[&str] = &[
    "unsubscribe",
    "unsubscribed",
    "hard_bounce",
    "email_bounced",
    "spam_report",
];

/// The built-in catalog: every known activity type with its funnel stage.
pub const CATALOG: &[(FunnelStage, &[&str])] = &[
    (FunnelStage::Tofu, TOFU),
    (FunnelStage::Mofu, MOFU),
    (FunnelStage::Bofu, BOFU),
    (FunnelStage::Negative, NEGATIVE),
];

impl Spelled for FunnelStage {
    const KIND: &'static str = "funnel stage";
    const ALL: &'static [FunnelStage] = &[
        FunnelStage::Tofu,
        FunnelStage::Mofu,
        FunnelStage::Bofu,
        FunnelStage::Negative,
        FunnelStage::Unclassified,
    ];

    /// The word of model files and model cards: `tofu`, …, `unclassified`.
    fn as_str(self) -> &'static str {
        match self {
            FunnelStage::Tofu => "tofu",
            FunnelStage::Mofu => "mofu",
            FunnelStage::Bofu => "bofu",
            FunnelStage::Negative => "negative",
            FunnelStage::Unclassified => "unclassified",
        }
    }
}

crate::spelled_traits!(FunnelStage);

impl FunnelStage {
    /// Stage of a (normalized) activity type in the built-in catalog.
    pub fn of(activity_type: &str) -> FunnelStage {
        CATALOG
            .iter()
            .find(|(_, types)| types.contains(&activity_type))
            .map_or(FunnelStage::Unclassified, |(stage, _)| *stage)
    }

    /// The label of explanations: [`Self::as_str`], except that the three
    /// funnel stages are the upper-case acronyms marketers write (`TOFU`).
    pub fn label(self) -> &'static str {
        match self {
            FunnelStage::Tofu => "TOFU",
            FunnelStage::Mofu => "MOFU",
            FunnelStage::Bofu => "BOFU",
            FunnelStage::Negative | FunnelStage::Unclassified => self.as_str(),
        }
    }
}

/// Canonical form of an activity type or attribute key: trimmed, lower
/// case, runs of whitespace and dashes turned into one `_`.
pub fn normalize_name(raw: &str) -> String {
    if is_normal_name(raw) {
        raw.to_owned()
    } else {
        canonical_name(raw)
    }
}

/// [`normalize_name`]'s rewrite of a name that is not canonical yet.
fn canonical_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_sep = false;
    for c in raw.trim().chars() {
        if c.is_whitespace() || c == '-' || c == '_' {
            pending_sep = !out.is_empty();
        } else {
            if pending_sep {
                out.push('_');
                pending_sep = false;
            }
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Whether `raw` is already in [`normalize_name`]'s canonical form: only
/// `a-z`, `0-9` and single `_` between them. This runs for every activity
/// of every request, so it is one pass that stops at the first bad byte
/// rather than separate passes for the characters and the `__` pairs
/// (figures in docs/benchmarks.md).
fn is_normal_name(raw: &str) -> bool {
    // The start counts as a separator, so a leading `_` is refused too.
    let mut after_separator = true;
    for &c in raw.as_bytes() {
        if c == b'_' {
            if after_separator {
                return false;
            }
            after_separator = true;
        } else if c.is_ascii_lowercase() || c.is_ascii_digit() {
            after_separator = false;
        } else {
            return false;
        }
    }
    // Refuses the empty name and a trailing `_`.
    !after_separator
}

/// [`normalize_name`] of an owned name, reusing it when already canonical
/// (the common case on the request path: no allocation per activity).
pub fn into_normal_name(raw: String) -> String {
    if is_normal_name(&raw) {
        raw
    } else {
        canonical_name(&raw)
    }
}

/// Canonical form of a categorical value: trimmed and case-folded; the
/// placeholders CRM exports use for "nothing" (`""`, `Select`, `NA`, …)
/// become `None`.
pub fn normalize_category(raw: &str) -> Option<String> {
    let folded = raw.trim().to_lowercase();
    const MISSING: &[&str] = &["", "select", "na", "n/a", "nan", "null", "none", "-"];
    (!MISSING.contains(&folded.as_str())).then_some(folded)
}

/// The training shape a model was learned from. Serving computes both the
/// same way (a counts model has no half-life, so timestamped activities
/// count 1 each); the source tells readers which inputs the model expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureSource {
    /// Timestamped activities (event-shape training), decayed.
    Events,
    /// Per-type totals (wide-shape training), undecayed.
    Counts,
}

/// An activity type the model has a weight for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityFeature {
    /// Normalized activity type (see [`normalize_name`]).
    #[serde(rename = "type")]
    pub activity_type: String,
    /// Funnel stage, shown in explanations and used by SQL rules.
    pub funnel_stage: FunnelStage,
    /// The (decayed) count is divided by this before `ln(1 + x)`, so a
    /// column in seconds and one in visits get comparable diminishing
    /// returns. Absent means 1 (activity counts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<f64>,
}

/// A one-hot indicator: `attribute` has value `value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalFeature {
    /// Normalized attribute key (see [`normalize_name`]).
    pub attribute: String,
    /// Normalized value (see [`normalize_category`]).
    pub value: String,
}

/// What a model needs to turn a lead into a feature vector. Stored in the
/// model file; the order of features is the order of coefficients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Source of the activity features.
    pub source: FeatureSource,
    /// Decay half-life in days; `None` means no decay. The fallback of the
    /// types without their own half-life.
    pub half_life_days: Option<f64>,
    /// Half-lives in days of the activity types that decay at their own
    /// rate (chosen per type by training on validation data). Absent in
    /// older files and in models with one shared half-life.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub half_life_days_by_type: BTreeMap<String, f64>,
    /// Repeats of one activity type closer than this count once.
    pub dedupe_window_seconds: u32,
    /// Activity features, in coefficient order.
    pub activities: Vec<ActivityFeature>,
    /// Categorical indicators, after the activity features.
    pub categorical: Vec<CategoricalFeature>,
}

/// One activity of a lead, as the feature code needs it.
#[derive(Debug, Clone, Copy)]
pub struct ActivityRef<'a> {
    /// Normalized type.
    pub activity_type: &'a str,
    /// When it happened.
    pub occurred_at: Timestamp,
    /// Caller's event id, if any, for de-duplication.
    pub event_id: Option<&'a str>,
}

/// Everything about a lead the features may read.
#[derive(Debug, Clone, Copy)]
pub struct FeatureInput<'a> {
    /// Timestamped activities, in any order.
    pub activities: &'a [ActivityRef<'a>],
    /// Pre-aggregated totals per normalized type.
    pub counts: &'a [(&'a str, f64)],
    /// Profile attributes with normalized keys.
    pub attributes: &'a BTreeMap<String, String>,
    /// Time the features are computed for.
    pub as_of: Timestamp,
}

/// A lead's feature vector plus what the model could not use.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureVector {
    /// Values in spec order (activities, then categorical indicators).
    pub values: Vec<f64>,
    /// Activity types the spec does not know, with how often they occurred
    /// (after cleaning), sorted by type.
    pub unscored: Vec<(String, f64)>,
}

/// A [`FeatureSpec`] with its lookups built, ready to compute many leads.
#[derive(Debug, Clone)]
pub struct CompiledFeatures {
    spec: FeatureSpec,
    /// Activity type → feature index (looked up once per activity, so a
    /// fast hasher; the keys are the model's own, not the caller's).
    activity_index: HashMap<String, usize, RandomState>,
    /// Attribute → (value → feature index).
    categorical_index: HashMap<String, HashMap<String, usize>>,
    /// Decay weights and the dedupe chain rule.
    decay: Decay,
    /// Per activity feature, its type's decay (looked up once, not per
    /// activity: the map of per-type half-lives is keyed by name).
    type_decays: Vec<TypeDecay>,
}

impl CompiledFeatures {
    /// Builds the lookups of `spec`.
    pub fn new(spec: FeatureSpec) -> CompiledFeatures {
        let activity_index = spec
            .activities
            .iter()
            .enumerate()
            .map(|(i, a)| (a.activity_type.clone(), i))
            .collect();
        let mut categorical_index: HashMap<String, HashMap<String, usize>> = HashMap::new();
        for (i, c) in spec.categorical.iter().enumerate() {
            categorical_index
                .entry(c.attribute.clone())
                .or_default()
                .insert(c.value.clone(), spec.activities.len() + i);
        }
        let decay = Decay::of(&spec);
        let type_decays = spec
            .activities
            .iter()
            .map(|a| decay.of_type(&a.activity_type))
            .collect();
        CompiledFeatures {
            decay,
            type_decays,
            spec,
            activity_index,
            categorical_index,
        }
    }

    /// The spec these lookups were built from.
    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }

    /// The spec's decay and dedupe window.
    pub fn decay(&self) -> &Decay {
        &self.decay
    }

    /// Feature index of a (normalized) activity type, if the spec knows it.
    pub fn activity_index(&self, activity_type: &str) -> Option<usize> {
        self.activity_index.get(activity_type).copied()
    }

    /// Number of features (length of every vector).
    pub fn len(&self) -> usize {
        self.spec.activities.len() + self.spec.categorical.len()
    }

    /// Whether the spec has no features at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Feature names in vector order: `activity:TYPE` or `attribute:KEY=VALUE`.
    pub fn names(&self) -> Vec<String> {
        let activities = self
            .spec
            .activities
            .iter()
            .map(|a| format!("activity:{}", a.activity_type));
        let categorical = self
            .spec
            .categorical
            .iter()
            .map(|c| format!("attribute:{}={}", c.attribute, c.value));
        activities.chain(categorical).collect()
    }

    /// Computes the feature vector of one lead (see the module docs).
    pub fn compute(&self, input: &FeatureInput<'_>) -> FeatureVector {
        let (known, unknown) = self.cleaned(input);
        let mut sums = ActivitySums::empty(self);
        for (i, at) in self.debounced(known) {
            // `at <= as_of` (future activities were dropped), so the age is
            // >= 0 and the weight is in (0, 1]: never infinite.
            sums.decayed[i] += self.type_decays[i].weight(input.as_of.since(at));
        }
        for (activity_type, _) in self.debounced(unknown) {
            *sums.unscored.entry(activity_type.to_owned()).or_default() += 1.0;
        }
        self.finish(sums, input.counts.iter().copied(), input.attributes)
    }

    /// The clean step: drops future activities and repeated event ids,
    /// then splits the rest into known types (by feature index, cheap to
    /// sort) and unknown ones. foldhash is randomly seeded, so callers
    /// cannot choose colliding ids.
    fn cleaned<'a>(&self, input: &FeatureInput<'a>) -> Cleaned<'a> {
        let mut seen_ids: HashSet<&str, RandomState> = HashSet::default();
        let mut known: Vec<(usize, Timestamp)> = Vec::with_capacity(input.activities.len());
        let mut unknown: Vec<(&str, Timestamp)> = Vec::new();
        for a in input.activities {
            if a.occurred_at > input.as_of || a.event_id.is_some_and(|id| !seen_ids.insert(id)) {
                continue;
            }
            match self.activity_index.get(a.activity_type) {
                Some(&i) => known.push((i, a.occurred_at)),
                None => unknown.push((a.activity_type, a.occurred_at)),
            }
        }
        (known, unknown)
    }

    /// The steps after decay, shared by [`Self::compute`] and
    /// [`LeadFeatureState`]: adds the undecayed pre-aggregated `counts`,
    /// applies diminishing returns (`ln(1 + x / unit)`) and sets the
    /// categorical indicators of `attributes`.
    fn finish<'a>(
        &self,
        sums: ActivitySums,
        counts: impl IntoIterator<Item = (&'a str, f64)>,
        attributes: &BTreeMap<String, String>,
    ) -> FeatureVector {
        let ActivitySums {
            decayed: mut values,
            mut unscored,
        } = sums;
        for (activity_type, count) in counts {
            match self.activity_index.get(activity_type) {
                Some(&i) => values[i] += count,
                None => *unscored.entry(activity_type.to_owned()).or_default() += count,
            }
        }
        for (v, a) in values.iter_mut().zip(&self.spec.activities) {
            // ln(1 + 0) is 0: most of a lead's features are, so skip them.
            if *v != 0.0 {
                *v = (*v / a.unit.unwrap_or(1.0)).ln_1p();
            }
        }
        values.resize(self.len(), 0.0);
        for (key, raw) in attributes {
            let Some(by_value) = self.categorical_index.get(key) else {
                continue;
            };
            if let Some(&i) = normalize_category(raw).and_then(|v| by_value.get(&v)) {
                values[i] = 1.0;
            }
        }
        FeatureVector {
            values,
            unscored: unscored.into_iter().collect(),
        }
    }

    /// Sorts (type, time) pairs and drops repeats of a type closer than the
    /// dedupe window to the last one kept (bots, double clicks).
    fn debounced<T: Ord + Copy>(&self, mut events: Vec<(T, Timestamp)>) -> Vec<(T, Timestamp)> {
        events.sort_unstable();
        let mut last: Option<(T, Timestamp)> = None;
        events.retain(|&(t, at)| {
            let repeat = last.is_some_and(|(lt, lat)| lt == t && self.decay.is_repeat(lat, at));
            if !repeat {
                last = Some((t, at));
            }
            !repeat
        });
        events
    }
}

/// The activities [`CompiledFeatures::compute`] counts, before the
/// dedupe window: (feature index, time) of known types, (type, time) of
/// unknown ones.
type Cleaned<'a> = (Vec<(usize, Timestamp)>, Vec<(&'a str, Timestamp)>);

/// The activity part of a lead's features before [`CompiledFeatures::finish`]:
/// per activity feature its decayed count of kept activities, and per
/// unknown type its kept count (unknown types do not decay: they are
/// reported, not scored).
#[derive(Debug, Clone, PartialEq)]
struct ActivitySums {
    /// Decayed counts, one per activity feature, in spec order.
    decayed: Vec<f64>,
    /// Kept counts of the types the spec does not know.
    unscored: BTreeMap<String, f64>,
}

impl ActivitySums {
    /// No activity, for `features`.
    fn empty(features: &CompiledFeatures) -> ActivitySums {
        // Room for the categorical indicators `finish` appends: one
        // allocation per vector, as before the split.
        let mut decayed = Vec::with_capacity(features.len());
        decayed.resize(features.spec.activities.len(), 0.0);
        ActivitySums {
            decayed,
            unscored: BTreeMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funnel_stages_keep_their_file_and_label_spellings() {
        let spelled: Vec<(&str, &str)> = FunnelStage::ALL
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect();
        assert_eq!(
            spelled,
            [
                ("tofu", "TOFU"),
                ("mofu", "MOFU"),
                ("bofu", "BOFU"),
                ("negative", "negative"),
                ("unclassified", "unclassified"),
            ]
        );
        for &s in FunnelStage::ALL {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(json, format!("{:?}", s.as_str()));
            assert_eq!(serde_json::from_str::<FunnelStage>(&json).unwrap(), s);
            assert_eq!(s.as_str().parse::<FunnelStage>(), Ok(s));
            assert_eq!(s.label().to_lowercase(), s.as_str());
        }
        let e = serde_json::from_str::<FunnelStage>("\"TOFU\"").unwrap_err();
        assert!(e.to_string().contains("unknown variant \"TOFU\""), "{e}");
    }

    fn at(micros: i64) -> Timestamp {
        Timestamp::from_micros(micros).unwrap()
    }

    const DAY: i64 = 86_400_000_000;

    fn spec(half_life_days: Option<f64>) -> CompiledFeatures {
        CompiledFeatures::new(FeatureSpec {
            source: FeatureSource::Events,
            half_life_days,
            half_life_days_by_type: BTreeMap::from([("blog_read".to_owned(), 1.0)]),
            dedupe_window_seconds: 60,
            activities: vec![
                ActivityFeature {
                    activity_type: "demo_request".into(),
                    funnel_stage: FunnelStage::Bofu,
                    unit: None,
                },
                ActivityFeature {
                    activity_type: "blog_read".into(),
                    funnel_stage: FunnelStage::Tofu,
                    unit: None,
                },
            ],
            categorical: vec![CategoricalFeature {
                attribute: "source".into(),
                value: "referral".into(),
            }],
        })
    }

    fn act(t: &str, at: i64, id: Option<&'static str>) -> ActivityRef<'static> {
        let t: &'static str = Box::leak(t.to_owned().into_boxed_str());
        ActivityRef {
            activity_type: t,
            occurred_at: self::at(at),
            event_id: id,
        }
    }

    fn compute(f: &CompiledFeatures, acts: &[ActivityRef<'_>], as_of: i64) -> FeatureVector {
        let attributes = BTreeMap::from([("source".to_owned(), " Referral ".to_owned())]);
        f.compute(&FeatureInput {
            activities: acts,
            counts: &[("blog_read", 3.0)],
            attributes: &attributes,
            as_of: at(as_of),
        })
    }

    #[test]
    fn half_life_halves_weight_and_log_compresses() {
        let f = spec(Some(10.0));
        let acts = [act("demo_request", 0, None), act("blog_read", 0, None)];
        let v = compute(&f, &acts, 10 * DAY);
        assert!((v.values[0] - 1.5f64.ln()).abs() < 1e-12);
        assert!(
            (v.values[1] - (4.0 + 0.5f64.powi(10)).ln()).abs() < 1e-12,
            "blog reads decay at their own half-life, counts are undecayed"
        );
        assert_eq!(
            v.values[2], 1.0,
            "categorical value is case-folded and trimmed"
        );
    }

    #[test]
    fn future_duplicates_and_rapid_repeats_do_not_count() {
        let f = spec(None);
        let acts = [
            act("demo_request", 0, Some("e1")),
            act("demo_request", DAY, Some("e1")),
            act("demo_request", 10_000_000, None),
            act("demo_request", 5 * DAY, None),
            act("mystery", 0, None),
        ];
        let v = compute(&f, &acts, 2 * DAY);
        assert!((v.values[0] - 2f64.ln()).abs() < 1e-12, "{:?}", v.values);
        assert_eq!(v.unscored, vec![("mystery".to_owned(), 1.0)]);
    }

    #[test]
    fn names_are_normalized() {
        assert_eq!(normalize_name("  Demo  Request "), "demo_request");
        assert_eq!(normalize_name("Page-View"), "page_view");
        assert_eq!(normalize_category(" Select "), None);
        assert_eq!(normalize_category("SMS Sent").as_deref(), Some("sms sent"));
    }

    #[test]
    fn only_canonical_names_skip_the_rewrite() {
        for canonical in ["demo_request", "a", "web9_visit_2"] {
            assert!(is_normal_name(canonical), "{canonical:?}");
            assert_eq!(canonical_name(canonical), canonical);
        }
        for other in ["", "_a", "a_", "a__b", "Demo", "a-b", "a b", " a", "é"] {
            assert!(!is_normal_name(other), "{other:?}");
        }
    }
}

//! `simulate`: an event-shape history drawn from a known model.
//!
//! Each lead gets a profile, an engagement level (higher for senior titles,
//! low for students), a life from creation to outcome, and activities at
//! per-type Poisson rates. Its outcome is drawn from the *true* model —
//! the shared feature code with the true half-life (30 days, or per type
//! with `--half-life-by-type`), then true weights and intercept — so a fit
//! can be checked against the truth. Realistic noise:
//! bot bursts and double clicks (repeats within seconds), delivery retries
//! (duplicate `event_id`s), unsubscribes and hard bounces, activity at and
//! after the outcome (which must never be seen), and leads still open at
//! export time. Writes `leads.csv`, `activities.csv` (and / or `.parquet`,
//! `--formats`, streamed in blocks: [`write`]) and `truth.json` (the true
//! model as a `leadscore.model/v1` file, with the base rate).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::Args;
use leadscore_core::dataset::{Outcome, activities, leads};
use leadscore_core::features::{
    ActivityFeature, ActivityRef, CompiledFeatures, FeatureInput, FeatureSource, FeatureSpec,
    FunnelStage,
};
use leadscore_core::lead::{NumberField, ProfileField, TextField};
use leadscore_core::model::linear::logistic;
use leadscore_core::model::{MODEL_FORMAT, ModelFile, PointsScale, Standardization};
use leadscore_core::time::{Span, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Gamma, Poisson};
use serde_json::json;

use crate::error::{DataError, OutputError, TrainError};
use crate::output::write_new;
use crate::points;
use crate::progress;

mod write;

pub use self::write::Format;
use self::write::TableOut;

/// True weight of each activity type (per unit of `ln(1 + decayed count)`)
/// and its base rate per day for an average lead.
pub const TRUE_ACTIVITIES: [(&str, f64, f64); 11] = [
    ("demo_request", 2.6, 0.003),
    ("contact_sales", 2.1, 0.003),
    ("free_trial", 1.7, 0.003),
    ("pricing_page_view", 1.35, 0.008),
    ("webinar_attended", 1.05, 0.005),
    ("case_study_download", 0.85, 0.006),
    ("white_paper_download", 0.65, 0.007),
    ("email_click", 0.5, 0.02),
    ("blog_read", 0.35, 0.03),
    ("page_view", 0.22, 0.07),
    ("email_open", 0.1, 0.05),
];
/// Negative signals: type, true weight, probability a lead has one.
pub const TRUE_NEGATIVES: [(&str, f64, f64); 2] =
    [("unsubscribe", -2.0, 0.1), ("hard_bounce", -0.8, 0.08)];
/// True decay half-life in days.
pub const TRUE_HALF_LIFE_DAYS: f64 = 30.0;
/// Won share among closed leads the intercept is tuned to.
const TARGET_BASE_RATE: f64 = 0.3;
/// First creation time: 2023-01-01T00:00:00Z.
const START_SECONDS: i64 = 1_672_531_200;
/// Leads are created over this many days; the export happens at the end.
const SPAN_DAYS: f64 = 730.0;

/// Job titles with their weight in the population and intent multiplier.
const TITLES: [(&str, f64, f64); 11] = [
    ("CEO", 0.04, 1.3),
    ("VP Marketing", 0.06, 1.5),
    ("Director of IT", 0.08, 1.3),
    ("Head of Sales", 0.06, 1.4),
    ("Marketing Manager", 0.14, 1.1),
    ("IT Manager", 0.12, 1.0),
    ("Marketing Associate", 0.14, 0.7),
    ("Software Engineer", 0.12, 0.6),
    ("Analyst", 0.1, 0.7),
    ("Consultant", 0.06, 0.8),
    ("Student", 0.08, 0.3),
];
/// Departments.
const DEPARTMENTS: [&str; 7] = [
    "Marketing",
    "Sales",
    "IT",
    "Finance",
    "Operations",
    "Engineering",
    "Education",
];
/// Industries.
const INDUSTRIES: [&str; 7] = [
    "Software",
    "Manufacturing",
    "Healthcare",
    "Financial Services",
    "Retail",
    "Education",
    "Government",
];
/// Countries (ISO-2).
const COUNTRIES: [&str; 10] = ["US", "GB", "DE", "FR", "IN", "BR", "CA", "AU", "NL", "ES"];
/// Company size bands.
const SIZES: [&str; 6] = ["1-10", "11-50", "51-200", "201-1000", "1001-5000", "5000+"];

/// Flags of `leadscore-train simulate`.
#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// Number of leads.
    #[arg(long)]
    pub leads: usize,
    /// Random seed (the same seed gives the same files).
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Output directory (created if needed).
    #[arg(long)]
    pub out: PathBuf,
    /// True half-lives of some activity types, in days, instead of the
    /// shared 30 (e.g. `page_view=3,email_click=60`).
    #[arg(long, value_delimiter = ',', value_parser = type_half_life)]
    pub half_life_by_type: Vec<(String, f64)>,
    /// File formats to write, comma separated (`csv`, `parquet`): the same
    /// rows in each.
    #[arg(long, value_delimiter = ',', default_value = "csv")]
    pub formats: Vec<Format>,
}

/// One `TYPE=DAYS` of `--half-life-by-type`: a simulated type and a
/// finite half-life > 0.
fn type_half_life(raw: &str) -> Result<(String, f64), String> {
    let (t, days) = raw
        .split_once('=')
        .ok_or_else(|| format!("{raw:?} is not TYPE=DAYS"))?;
    let t = t.trim();
    if !type_names().contains(&t) {
        return Err(format!(
            "{t:?} is not a simulated activity type ({})",
            type_names().join(", ")
        ));
    }
    match days.trim().parse::<f64>() {
        Ok(d) if d.is_finite() && d > 0.0 => Ok((t.to_owned(), d)),
        _ => Err(format!("{t}: {days:?} is not a positive number of days")),
    }
}

/// One simulated activity.
struct Event {
    /// Index into the activity type list.
    kind: usize,
    /// Time, whole seconds.
    at: Timestamp,
    /// Event id.
    id: String,
}

/// One simulated lead before its label is drawn.
struct SimLead {
    /// Profile columns in [`PROFILE_FIELDS`] order.
    profile: [String; 7],
    /// Creation time.
    created: Timestamp,
    /// Outcome time, `None` while open at export.
    outcome_at: Option<Timestamp>,
    /// Activities (before, at and after the outcome).
    events: Vec<Event>,
    /// True logit without the intercept.
    score: f64,
}

/// The profile fields simulated, in column order (no explicit seniority:
/// the rules infer it from the title).
const PROFILE_FIELDS: [ProfileField; 7] = [
    ProfileField::Text(TextField::JobTitle),
    ProfileField::Text(TextField::Department),
    ProfileField::Text(TextField::Industry),
    ProfileField::Text(TextField::Country),
    ProfileField::Number(NumberField::CompanySize),
    ProfileField::Number(NumberField::AnnualRevenue),
    ProfileField::Text(TextField::EmailDomain),
];

/// All activity type names, positive then negative.
fn type_names() -> Vec<&'static str> {
    TRUE_ACTIVITIES
        .iter()
        .map(|a| a.0)
        .chain(TRUE_NEGATIVES.iter().map(|a| a.0))
        .collect()
}

/// The true feature spec, with the true per-type half-lives `by_type`.
pub fn true_spec(by_type: &[(String, f64)]) -> FeatureSpec {
    FeatureSpec {
        source: FeatureSource::Events,
        half_life_days: Some(TRUE_HALF_LIFE_DAYS),
        half_life_days_by_type: by_type.iter().cloned().collect(),
        dedupe_window_seconds: 60,
        activities: type_names()
            .into_iter()
            .map(|t| ActivityFeature {
                activity_type: t.to_owned(),
                funnel_stage: FunnelStage::of(t),
                unit: None,
            })
            .collect(),
        categorical: Vec::new(),
    }
}

/// Writes a simulated history to `args.out`.
pub fn run(args: &SimulateArgs) -> Result<(), TrainError> {
    if args.leads == 0 {
        return Err(DataError::Setting("--leads must be at least 1".into()).into());
    }
    let step = progress::start(format!(
        "simulating {} leads (seed {})",
        args.leads, args.seed
    ));
    let compiled = CompiledFeatures::new(true_spec(&args.half_life_by_type));
    let names = type_names();
    let scores: Vec<(f64, bool)> = (0..args.leads)
        .map(|i| {
            let lead = generate(args.seed, i, &compiled, &names);
            (lead.score, lead.outcome_at.is_some())
        })
        .collect();
    let intercept = solve_intercept(&scores);
    step.done(format!(
        "intercept {intercept:.4} for a base rate of {TARGET_BASE_RATE}"
    ));

    let step = progress::start(format!("writing {}", args.out.display()));
    let totals = write_history(args, &compiled, &names, intercept)?;
    write_truth(&args.out, intercept, totals.won, totals.closed, args)?;
    step.done(format!(
        "{} leads ({} closed, {} won), {} activity rows",
        args.leads, totals.closed, totals.won, totals.events
    ));
    Ok(())
}

/// What [`write_history`] wrote.
#[derive(Default)]
struct Totals {
    /// Closed leads that were won.
    won: usize,
    /// Closed leads.
    closed: usize,
    /// Activity rows.
    events: usize,
}

/// Writes the leads and activities tables (in every asked format), each
/// lead's outcome drawn from the true model with `intercept`.
fn write_history(
    args: &SimulateArgs,
    compiled: &CompiledFeatures,
    names: &[&str],
    intercept: f64,
) -> Result<Totals, OutputError> {
    std::fs::create_dir_all(&args.out).map_err(|source| OutputError::Write {
        path: args.out.clone(),
        source,
    })?;
    let stem = |file: &'static str| file.trim_end_matches(".csv");
    let lead_columns: Vec<&str> = leads::FIXED
        .iter()
        .copied()
        .chain(PROFILE_FIELDS.map(ProfileField::name))
        .collect();
    let mut leads_out =
        TableOut::create(&args.out, stem(leads::FILE), &lead_columns, &args.formats)?;
    let mut acts_out = TableOut::create(
        &args.out,
        stem(activities::FILE),
        &activities::COLUMNS,
        &args.formats,
    )?;
    let mut totals = Totals::default();
    for i in 0..args.leads {
        let mut lead = generate(args.seed, i, compiled, names);
        let outcome = close(&mut lead, args.seed, i, intercept, &mut totals);
        let id = format!("L{i:07}");
        let created = lead.created.to_rfc3339();
        let outcome_at = lead
            .outcome_at
            .map(Timestamp::to_rfc3339)
            .unwrap_or_default();
        let mut row = vec![id.as_str(), &created, outcome.name(), &outcome_at];
        row.extend(lead.profile.iter().map(String::as_str));
        leads_out.row(&row)?;
        for e in &lead.events {
            let at = e.at.to_rfc3339();
            acts_out.row(&[&id, names[e.kind], &at, &e.id])?;
            totals.events += 1;
        }
    }
    leads_out.finish()?;
    acts_out.finish()?;
    Ok(totals)
}

/// Draws the outcome of closed lead `i` from the true model and adds the
/// activity at and after it (`Open` without one).
fn close(lead: &mut SimLead, seed: u64, i: usize, intercept: f64, totals: &mut Totals) -> Outcome {
    let mut rng = lead_rng(seed ^ 0x5eed, i);
    let Some(at) = lead.outcome_at else {
        return Outcome::Open;
    };
    totals.closed += 1;
    let is_won = rng.random::<f64>() < logistic(intercept + lead.score);
    totals.won += usize::from(is_won);
    after_outcome(lead, at, is_won, &mut rng, i);
    if is_won { Outcome::Won } else { Outcome::Lost }
}

/// The random stream of lead `i` (independent of every other lead).
fn lead_rng(seed: u64, i: usize) -> StdRng {
    StdRng::seed_from_u64(
        seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
    )
}

/// Whole-second time `days` after `from`.
fn after_days(from: Timestamp, days: f64) -> Timestamp {
    let at = from.saturating_add(Span::from_days_f64(days));
    at.saturating_sub(Span::micros(i64::from(at.subsec_nanos()) / 1000))
}

/// The first day of the simulated history.
fn start() -> Timestamp {
    Timestamp::from_unix(START_SECONDS, 0).expect("a time in range")
}

/// Generates lead `i` (profile, activities up to outcome or export, true score).
fn generate(seed: u64, i: usize, compiled: &CompiledFeatures, names: &[&str]) -> SimLead {
    let mut rng = lead_rng(seed, i);
    let (profile, intent) = profile(&mut rng);
    let created = after_days(start(), rng.random::<f64>() * SPAN_DAYS);
    let export = after_days(start(), SPAN_DAYS);
    let life = rng.random_range(5.0..200.0);
    let outcome_at = Some(after_days(created, life)).filter(|&at| at < export);
    let end = outcome_at.unwrap_or(export);
    let engagement = Gamma::new(2.0, 0.5).expect("valid gamma").sample(&mut rng) * intent;
    let life = Life {
        lead: i,
        created,
        window_days: end.since(created).as_days_f64(),
        last: end.saturating_sub(Span::seconds(1)),
    };
    let mut events = Vec::new();
    rate_events(&mut rng, &life, engagement, &mut events);
    negative_events(&mut rng, &life, &mut events);
    bot_burst(&mut rng, &life, &mut events);
    delivery_retries(&mut rng, &mut events);
    let score = match outcome_at {
        Some(at) => true_score(compiled, names, &events, at.saturating_sub(Span::micros(1))),
        None => 0.0,
    };
    SimLead {
        profile,
        created,
        outcome_at,
        events,
        score,
    }
}

/// A lead's profile columns and the intent multiplier of its title.
fn profile(rng: &mut StdRng) -> ([String; 7], f64) {
    let pick = |rng: &mut StdRng, items: &[&'static str]| items[rng.random_range(0..items.len())];
    let mut u = rng.random::<f64>();
    let (title, _, intent) = *TITLES
        .iter()
        .find(|t| {
            u -= t.1;
            u < 0.0
        })
        .unwrap_or(&TITLES[0]);
    let department = match title {
        "Student" => "Education",
        t if t.contains("Marketing") => "Marketing",
        t if t.contains("IT") || t.contains("Engineer") => {
            if rng.random::<f64>() < 0.5 {
                "IT"
            } else {
                "Engineering"
            }
        }
        "Head of Sales" => "Sales",
        _ => pick(rng, &DEPARTMENTS),
    };
    let company = rng.random_range(1..3000);
    let email_domain = if title == "Student" {
        if rng.random::<f64>() < 0.6 {
            "university.edu".to_owned()
        } else {
            "gmail.com".to_owned()
        }
    } else if rng.random::<f64>() < 0.12 {
        "gmail.com".to_owned()
    } else {
        format!("company{company}.com")
    };
    let size = pick(rng, &SIZES);
    let revenue = 10f64.powf(rng.random_range(5.0..9.5)).round();
    let profile = [
        title.to_owned(),
        department.to_owned(),
        pick(rng, &INDUSTRIES).to_owned(),
        pick(rng, &COUNTRIES).to_owned(),
        size.to_owned(),
        format!("{revenue}"),
        email_domain,
    ];
    (profile, intent)
}

/// The span of one lead's activities before its outcome (or the export).
struct Life {
    /// Lead index, part of every event id.
    lead: usize,
    /// Creation time.
    created: Timestamp,
    /// Days from creation to the outcome or the export.
    window_days: f64,
    /// The last second an activity can fall on.
    last: Timestamp,
}

impl Life {
    /// Adds an activity of `kind` at `at` (at most [`Life::last`]) with the
    /// next event id.
    fn push(&self, events: &mut Vec<Event>, kind: usize, at: Timestamp) {
        let id = format!("E{}-{}", self.lead, events.len());
        events.push(Event {
            kind,
            at: at.min(self.last),
            id,
        });
    }

    /// A uniformly random time in the lead's life.
    fn random_time(&self, rng: &mut StdRng) -> Timestamp {
        after_days(self.created, rng.random::<f64>() * self.window_days)
    }
}

/// Activities of every positive type at its Poisson rate, scaled by engagement.
fn rate_events(rng: &mut StdRng, life: &Life, engagement: f64, events: &mut Vec<Event>) {
    for (kind, &(_, _, rate)) in TRUE_ACTIVITIES.iter().enumerate() {
        let lambda = rate * engagement * life.window_days;
        let n = if lambda > 0.0 {
            Poisson::new(lambda).expect("valid poisson").sample(rng) as usize
        } else {
            0
        };
        for _ in 0..n {
            let at = life.random_time(rng);
            life.push(events, kind, at);
        }
    }
}

/// At most one of each negative signal, with its probability.
fn negative_events(rng: &mut StdRng, life: &Life, events: &mut Vec<Event>) {
    for (k, &(_, _, probability)) in TRUE_NEGATIVES.iter().enumerate() {
        if rng.random::<f64>() < probability {
            let at = life.random_time(rng);
            life.push(events, TRUE_ACTIVITIES.len() + k, at);
        }
    }
}

/// Bots and double clicks: sometimes a burst of page views or email clicks
/// within seconds of an existing activity.
fn bot_burst(rng: &mut StdRng, life: &Life, events: &mut Vec<Event>) {
    if rng.random::<f64>() < 0.05 && !events.is_empty() {
        let base = events[rng.random_range(0..events.len())].at;
        let kind = if rng.random::<f64>() < 0.5 { 9 } else { 7 };
        let mut at = base;
        for _ in 0..rng.random_range(5..30) {
            at = at.saturating_add(Span::seconds(rng.random_range(0..2)));
            life.push(events, kind, at);
        }
    }
}

/// Delivery retries: about 2 % of the events again, with the same id.
fn delivery_retries(rng: &mut StdRng, events: &mut Vec<Event>) {
    let retries: Vec<usize> = (0..events.len())
        .filter(|_| rng.random::<f64>() < 0.02)
        .collect();
    for r in retries {
        let copy = Event {
            kind: events[r].kind,
            at: events[r].at,
            id: events[r].id.clone(),
        };
        events.push(copy);
    }
}

/// True logit without the intercept, computed by the shared feature code.
fn true_score(
    compiled: &CompiledFeatures,
    names: &[&str],
    events: &[Event],
    as_of: Timestamp,
) -> f64 {
    let refs: Vec<ActivityRef<'_>> = events
        .iter()
        .map(|e| ActivityRef {
            activity_type: names[e.kind],
            occurred_at: e.at,
            event_id: Some(&e.id),
        })
        .collect();
    let attributes = BTreeMap::new();
    let x = compiled.compute(&FeatureInput {
        activities: &refs,
        counts: &[],
        attributes: &attributes,
        as_of,
    });
    let weights = TRUE_ACTIVITIES
        .iter()
        .map(|a| a.1)
        .chain(TRUE_NEGATIVES.iter().map(|a| a.1));
    x.values.iter().zip(weights).map(|(v, w)| v * w).sum()
}

/// Activity at and after the outcome, which training must never see.
fn after_outcome(lead: &mut SimLead, outcome_at: Timestamp, won: bool, rng: &mut StdRng, i: usize) {
    let kinds: &[usize] = if won {
        &[2, 9, 9, 3]
    } else {
        &[TRUE_ACTIVITIES.len(), 10]
    };
    for (k, &kind) in kinds.iter().enumerate() {
        let at = if k == 0 {
            outcome_at
        } else {
            after_days(outcome_at, rng.random_range(0.0..30.0))
        };
        lead.events.push(Event {
            kind,
            at,
            id: format!("P{i}-{k}"),
        });
    }
}

/// Intercept giving a mean won probability of [`TARGET_BASE_RATE`] over
/// closed leads (bisection).
fn solve_intercept(scores: &[(f64, bool)]) -> f64 {
    let closed: Vec<f64> = scores.iter().filter(|s| s.1).map(|s| s.0).collect();
    let mean_p =
        |b: f64| closed.iter().map(|s| logistic(b + s)).sum::<f64>() / closed.len().max(1) as f64;
    let (mut lo, mut hi) = (-30.0, 30.0);
    for _ in 0..100 {
        let mid = (lo + hi) / 2.0;
        if mean_p(mid) < TARGET_BASE_RATE {
            lo = mid
        } else {
            hi = mid
        }
    }
    (lo + hi) / 2.0
}

/// Writes `truth.json`: the true model as a model file.
fn write_truth(
    dir: &Path,
    intercept: f64,
    won: usize,
    closed: usize,
    args: &SimulateArgs,
) -> Result<(), OutputError> {
    let spec = true_spec(&args.half_life_by_type);
    let spec_by_type = spec.half_life_days_by_type.clone();
    let n = spec.activities.len();
    let mut file = ModelFile {
        format: MODEL_FORMAT.to_owned(),
        version: format!("truth-seed-{}", args.seed),
        created_at: String::new(),
        features: spec,
        standardization: Standardization {
            mean: vec![0.0; n],
            scale: vec![1.0; n],
        },
        coefficients: TRUE_ACTIVITIES
            .iter()
            .map(|a| a.1)
            .chain(TRUE_NEGATIVES.iter().map(|a| a.1))
            .collect(),
        intercept,
        // The true model explains from its intercept: it has no training population.
        baseline: None,
        mql_threshold: 0.5,
        points: PointsScale {
            per_logit: 1.0,
            threshold: 0,
            per_activity: Default::default(),
        },
        hyperparameters: json!({"half_life_days": TRUE_HALF_LIFE_DAYS, "half_life_days_by_type": spec_by_type, "seed": args.seed}),
        metrics: serde_json::Value::Null,
        training: json!({"leads": args.leads, "closed": closed, "won": won, "base_rate": won as f64 / closed.max(1) as f64, "target_base_rate": TARGET_BASE_RATE}),
    };
    points::fill(&mut file);
    let path = dir.join("truth.json");
    let _ = std::fs::remove_file(&path);
    write_new(
        &path,
        &serde_json::to_vec_pretty(&file).expect("truth serializes"),
    )
}

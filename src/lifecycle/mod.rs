//! The model and rules in force, and how they change while serving.
//!
//! [`Lifecycle`] owns the [`SharedScorer`] every request reads. It rescans
//! the models directory and the rules file ([`Lifecycle::refresh`], run by
//! [`watch`] every reload interval): a new valid model becomes active, a
//! half-written, corrupt or incompatible file is refused with a logged reason
//! and the current model keeps serving; a rules file with an error is refused
//! the same way. Each request takes one scorer snapshot, so no answer mixes
//! versions.
//!
//! Unpinned, a new model file must pass the activation gate ([`gate`])
//! before it serves; until then it is the shadow (`--activation newest`
//! serves the newest valid file at once instead).
//!
//! An operator may pin a version ([`Lifecycle::activate`]) and name a
//! shadow model ([`Lifecycle::set_shadow`]) that scores alongside the active
//! one without deciding anything; both choices are files in the models
//! directory ([`pin`]), so they survive restarts and every replica sharing
//! the directory follows them. Activating the shadow's version promotes it:
//! the shadow choice is cleared.

pub mod catalog;
pub mod gate;
pub mod pin;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use arc_swap::ArcSwap;

use crate::gate::{Coverage, Verdict};
use crate::model::{LinearModel, ModelDirError};
use crate::quote::quote;
use crate::rules::{Rules, RulesError};
use crate::scoring::Scorer;
use crate::store::{Database, StoreError};
use catalog::{Catalog, Fingerprint};
pub use gate::Activation;
use pin::Slot;

/// The scorer every request reads; swapped atomically on change.
pub type SharedScorer = Arc<ArcSwap<Scorer>>;

/// Why a lifecycle operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// The models directory could not be read, or holds no valid model.
    #[error(transparent)]
    Registry(#[from] ModelDirError),
    /// The rules file is unusable (at start).
    #[error(transparent)]
    Rules(#[from] RulesError),
    /// No model file has this version.
    #[error("no model with version {}; ListModels shows the versions available", quote(.0))]
    UnknownVersion(String),
    /// The shadow asked for is the active model.
    #[error("model {0} is the active model; a shadow must be another version")]
    ShadowIsActive(String),
    /// The model file exists but is refused.
    #[error("model {version} cannot be activated: {reason}")]
    InvalidModel {
        /// Version asked for.
        version: String,
        /// Why its file is refused.
        reason: String,
    },
    /// The model scores too little of the live data to be activated
    /// unforced.
    #[error("model {version} cannot be activated: it {figures}; set force to activate it anyway")]
    Coverage {
        /// Version asked for.
        version: String,
        /// The coverage figures in words.
        figures: String,
    },
    /// The live data could not be read to check coverage.
    #[error("cannot check model {version} against the live data: {source}")]
    Store {
        /// Version asked for.
        version: String,
        /// Underlying error.
        source: StoreError,
    },
    /// A version file could not be written or removed.
    #[error("cannot update {path}: {source}")]
    Pin {
        /// The version file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
}

/// Mutable view of the directory and rules file, guarded by one lock so
/// refreshes never interleave.
#[derive(Debug)]
struct State {
    /// Model files seen, with their load outcome.
    catalog: Catalog,
    /// Fingerprint of the rules file in force.
    rules_fingerprint: Option<Fingerprint>,
    /// The activation gate's verdicts, by challenger version.
    verdicts: BTreeMap<String, Verdict>,
}

/// Models directory + rules file → the scorer in force.
#[derive(Debug)]
pub struct Lifecycle {
    /// Directory of model files (and the pin file).
    models_dir: PathBuf,
    /// Rules file.
    rules_path: PathBuf,
    /// Which file serves unpinned.
    activation: Activation,
    /// The lead store the gate reads its window from, once attached.
    store: OnceLock<Arc<dyn Database>>,
    /// What requests read.
    scorer: SharedScorer,
    /// Catalog and fingerprints.
    state: Mutex<State>,
    /// Model or rules changes applied since start (metrics).
    reloads_ok: AtomicU64,
    /// Model or rules files refused since start (metrics).
    reloads_failed: AtomicU64,
}

impl Lifecycle {
    /// [`Lifecycle::start_with`] the activation gate.
    pub fn start(models_dir: &Path, rules_path: &Path) -> Result<Lifecycle, LifecycleError> {
        Lifecycle::start_with(models_dir, rules_path, Activation::Gated)
    }

    /// Loads the pinned valid model (else the gated one, else the newest)
    /// and the rules; any problem is an error, so a broken configuration
    /// never starts. New files are judged from the first rescan on.
    pub fn start_with(
        models_dir: &Path,
        rules_path: &Path,
        activation: Activation,
    ) -> Result<Lifecycle, LifecycleError> {
        let rules = Rules::load(rules_path)?;
        let mut catalog = Catalog::default();
        catalog.rescan(models_dir)?;
        let pinned = pin::read(models_dir, Slot::Pinned);
        let unpinned = match activation {
            Activation::Gated => gate::at_start(models_dir, &catalog),
            Activation::Newest => catalog.newest(),
        };
        let model = match &pinned {
            Some(v) => catalog.valid(v).map_err(|e| e.for_version(v))?,
            None => unpinned.ok_or_else(|| ModelDirError::NoValidModel {
                dir: models_dir.to_owned(),
                skipped: catalog.refused_count(),
            })?,
        };
        let shadow = shadow_model(models_dir, &catalog, &model, None);
        let scorer = Scorer::new(model, Arc::new(rules)).with_shadow(shadow);
        let state = State {
            catalog,
            rules_fingerprint: Fingerprint::of(rules_path),
            verdicts: BTreeMap::new(),
        };
        Ok(Lifecycle {
            models_dir: models_dir.to_owned(),
            rules_path: rules_path.to_owned(),
            activation,
            store: OnceLock::new(),
            scorer: Arc::new(ArcSwap::from_pointee(scorer)),
            state: Mutex::new(state),
            reloads_ok: AtomicU64::new(0),
            reloads_failed: AtomicU64::new(0),
        })
    }

    /// Gives the gate the lead store to read its window from (once; a
    /// second store is ignored), then rescans so waiting files are judged.
    pub fn attach_store(&self, db: Arc<dyn Database>) {
        if self.store.set(db).is_err() {
            tracing::warn!("the activation gate already reads a store; keeping it");
        }
        self.refresh();
    }

    /// The activation gate's verdicts, by challenger version.
    pub fn verdicts(&self) -> BTreeMap<String, Verdict> {
        self.lock().verdicts.clone()
    }

    /// (applied, refused) reload counts since start.
    pub fn reload_counts(&self) -> (u64, u64) {
        (
            self.reloads_ok.load(Ordering::Relaxed),
            self.reloads_failed.load(Ordering::Relaxed),
        )
    }

    /// The handle requests read.
    pub fn scorer(&self) -> SharedScorer {
        self.scorer.clone()
    }

    /// The models directory.
    pub fn models_dir(&self) -> &Path {
        &self.models_dir
    }

    /// The pinned version, if any.
    pub fn pinned(&self) -> Option<String> {
        pin::read(&self.models_dir, Slot::Pinned)
    }

    /// The shadow version chosen, if any.
    pub fn shadow(&self) -> Option<String> {
        pin::read(&self.models_dir, Slot::Shadow)
    }

    /// Every model file seen, newest first, valid or not.
    pub fn models(&self) -> Vec<catalog::Entry> {
        self.lock().catalog.entries()
    }

    /// A valid model by version.
    pub fn model(&self, version: &str) -> Result<Arc<LinearModel>, LifecycleError> {
        self.lock()
            .catalog
            .valid(version)
            .map_err(|e| e.for_version(version))
    }

    /// Pins `Some(version)` or unpins (`None`: the model the gate lets
    /// serve, or the newest valid one), then applies it. Unless `force`,
    /// a version that scores too little of the live data is refused with
    /// the figures. Returns the version now active.
    pub fn activate(&self, version: Option<&str>, force: bool) -> Result<String, LifecycleError> {
        let mut state = self.lock();
        let refused = state.catalog.rescan(&self.models_dir)?;
        self.reloads_failed.fetch_add(refused, Ordering::Relaxed);
        if let Some(v) = version {
            let model = state.catalog.valid(v).map_err(|e| e.for_version(v))?;
            if !force {
                self.check_coverage(&model)?;
            }
        }
        self.write_slot(Slot::Pinned, version)?;
        if version.is_some() && self.shadow().as_deref() == version {
            self.write_slot(Slot::Shadow, None)?;
        }
        self.apply(&mut state);
        Ok(self.scorer.load().model.version().to_owned())
    }

    /// Names `Some(version)` as the shadow model, or clears it, then
    /// applies it. Returns the shadow version now in force.
    pub fn set_shadow(&self, version: Option<&str>) -> Result<Option<String>, LifecycleError> {
        let mut state = self.lock();
        let refused = state.catalog.rescan(&self.models_dir)?;
        self.reloads_failed.fetch_add(refused, Ordering::Relaxed);
        if let Some(v) = version {
            state.catalog.valid(v).map_err(|e| e.for_version(v))?;
            if self.scorer.load().model.version() == v {
                return Err(LifecycleError::ShadowIsActive(v.to_owned()));
            }
        }
        self.write_slot(Slot::Shadow, version)?;
        self.apply(&mut state);
        Ok(self
            .scorer
            .load()
            .shadow
            .as_ref()
            .map(|m| m.version().to_owned()))
    }

    /// Refuses `model` when it scores too little of the live data.
    fn check_coverage(&self, model: &LinearModel) -> Result<(), LifecycleError> {
        let live =
            gate::live_data(self.store.get(), true).map_err(|source| LifecycleError::Store {
                version: model.version().to_owned(),
                source,
            })?;
        let coverage = Coverage::of(&model.file().features, &live);
        match coverage.passes() {
            true => Ok(()),
            false => Err(LifecycleError::Coverage {
                version: model.version().to_owned(),
                figures: coverage.describe(),
            }),
        }
    }

    fn write_slot(&self, slot: Slot, version: Option<&str>) -> Result<(), LifecycleError> {
        pin::write(&self.models_dir, slot, version).map_err(|source| LifecycleError::Pin {
            path: pin::path(&self.models_dir, slot),
            source,
        })
    }

    /// Rescans the directory and rules file and swaps in what changed.
    /// Problems are logged; the current scorer keeps serving.
    pub fn refresh(&self) {
        let mut state = self.lock();
        match state.catalog.rescan(&self.models_dir) {
            Ok(refused) => self.reloads_failed.fetch_add(refused, Ordering::Relaxed),
            Err(e) => {
                tracing::warn!(error = %e, "model rescan failed; keeping the current model");
                return;
            }
        };
        self.apply(&mut state);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Chooses model and rules from `state` and swaps if they differ.
    fn apply(&self, state: &mut State) {
        let current = self.scorer.load_full();
        let wanted = match pin::read(&self.models_dir, Slot::Pinned) {
            Some(v) => match state.catalog.valid(&v) {
                Ok(file) => Some(file),
                Err(e) => {
                    tracing::error!(version = %v, error = %e.for_version(&v), "pinned model unusable; keeping the current model");
                    None
                }
            },
            None => self.unpinned(state, &current.model),
        };
        let model = match wanted {
            Some(m) if m.version() != current.model.version() => m,
            _ => current.model.clone(),
        };
        let shadow = shadow_model(
            &self.models_dir,
            &state.catalog,
            &model,
            current.shadow.as_ref(),
        );
        let fingerprint = Fingerprint::of(&self.rules_path);
        let rules = if fingerprint != state.rules_fingerprint {
            state.rules_fingerprint = fingerprint;
            match Rules::load(&self.rules_path) {
                Ok(r) if r.version != current.rules.version => Arc::new(r),
                Ok(_) => current.rules.clone(),
                Err(e) => {
                    self.reloads_failed.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(error = %e, "rules file refused; keeping the current rules");
                    current.rules.clone()
                }
            }
        } else {
            current.rules.clone()
        };
        let same_shadow = match (&shadow, &current.shadow) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        if !Arc::ptr_eq(&model, &current.model)
            || !Arc::ptr_eq(&rules, &current.rules)
            || !same_shadow
        {
            self.reloads_ok.fetch_add(1, Ordering::Relaxed);
            let shadow_version = shadow.as_ref().map(|m| m.version().to_owned());
            tracing::info!(model = model.version(), rules = %rules.version, shadow = ?shadow_version, "activated");
            self.scorer
                .store(Arc::new(Scorer::new(model, rules).with_shadow(shadow)));
        }
    }
}

impl Lifecycle {
    /// The model serving unpinned: the newest valid file, or the gate's
    /// choice; a challenger the gate holds back becomes the shadow.
    fn unpinned(&self, state: &mut State, current: &Arc<LinearModel>) -> Option<Arc<LinearModel>> {
        if self.activation == Activation::Newest {
            return state.catalog.newest();
        }
        let choice = gate::choose(
            &self.models_dir,
            &state.catalog,
            current,
            &mut state.verdicts,
            self.store.get(),
        );
        if let Some(held) = choice.held_back
            && let Err(e) = self.write_slot(Slot::Shadow, Some(held.version()))
        {
            tracing::error!(error = %e, "cannot name the held-back model as shadow");
        }
        Some(choice.model)
    }
}

/// The model the shadow file names, given the `active` model and the
/// `current` shadow: the current one while its version is unchanged, none
/// when it is the active model (scoring it twice says nothing), and the
/// current one, logged, when its file is refused.
fn shadow_model(
    models_dir: &Path,
    catalog: &Catalog,
    active: &LinearModel,
    current: Option<&Arc<LinearModel>>,
) -> Option<Arc<LinearModel>> {
    let version = pin::read(models_dir, Slot::Shadow)?;
    if version == active.version() {
        return None;
    }
    if let Some(m) = current.filter(|m| m.version() == version) {
        return Some(m.clone());
    }
    match catalog.valid(&version) {
        Ok(m) => Some(m),
        Err(e) => {
            tracing::error!(version = %version, error = %e.for_version(&version), "shadow model unusable; keeping the current shadow");
            current.filter(|m| m.version() != active.version()).cloned()
        }
    }
}

/// Calls [`Lifecycle::refresh`] every `interval`, forever.
pub async fn watch(lifecycle: Arc<Lifecycle>, interval: Duration) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let l = lifecycle.clone();
        if let Err(e) = tokio::task::spawn_blocking(move || l.refresh()).await {
            tracing::error!(error = %e, "model refresh task failed");
        }
    }
}

//! The activation gate in the service ([`crate::gate`] decides): which
//! model serves unpinned, and what the gate said about each challenger.
//!
//! With `--activation gated` (the default) the model serving unpinned is
//! the one the gate last let through (`gated-version`, see [`pin`],
//! written when the gate first judges; until then, the newest valid file). The newest valid file newer than
//! it is the challenger: judged once against it on the store's recent
//! window, it becomes active when it passes, else it becomes the shadow
//! and its verdict says why. A lifecycle without a store (tests, tools)
//! judges on an empty window: coverage passes vacuously and the model
//! cards decide. `--activation newest` serves the newest valid file, as
//! before the gate.

use std::path::Path;
use std::sync::Arc;

use crate::gate::{self, LiveData, Verdict};
use crate::model::LinearModel;
use crate::store::{Database, StoreError, reads};
use crate::time::Timestamp;

use super::catalog::Catalog;
use super::pin::{self, Slot};

/// Which valid model file serves when nothing is pinned (`--activation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Activation {
    /// A new file must pass the activation gate; until then it is the shadow.
    #[default]
    Gated,
    /// The newest valid file, at once (no gate).
    Newest,
}

/// The store's window ending now; an empty one without a store. With
/// `coverage_only`, no closed lead is read.
pub fn live_data(
    store: Option<&Arc<dyn Database>>,
    coverage_only: bool,
) -> Result<LiveData, StoreError> {
    let Some(db) = store else {
        return Ok(LiveData::default());
    };
    let (from, to) = gate::window(Timestamp::now());
    let max_closed = if coverage_only { 0 } else { gate::MAX_OUTCOMES };
    reads::gate_window(&**db, from, to, max_closed)
}

/// What the gate chose: the model to serve unpinned, and a challenger
/// judged just now that failed (it is to become the shadow).
#[derive(Debug)]
pub struct Choice {
    /// Serves unpinned.
    pub model: Arc<LinearModel>,
    /// Judged now and held back.
    pub held_back: Option<Arc<LinearModel>>,
}

/// The model the gate lets serve: the `gated-version` file's (else
/// `current`), or the newest valid file once it passes against it.
/// Verdicts are kept in `verdicts` by challenger version and reused while
/// the model it was compared with is unchanged; a window that cannot be
/// read leaves the challenger unjudged (logged) until the next rescan.
pub fn choose(
    models_dir: &Path,
    catalog: &Catalog,
    current: &Arc<LinearModel>,
    verdicts: &mut std::collections::BTreeMap<String, Verdict>,
    store: Option<&Arc<dyn Database>>,
) -> Choice {
    let base = pin::read(models_dir, Slot::Gated)
        .and_then(|v| catalog.valid(&v).ok())
        .unwrap_or_else(|| current.clone());
    let stay = Choice {
        model: base.clone(),
        held_back: None,
    };
    let Some(challenger) = catalog.newest().filter(|c| c.version() > base.version()) else {
        return stay;
    };
    let known = verdicts
        .get(challenger.version())
        .filter(|v| v.against == base.version());
    let (verdict, fresh) = match known {
        Some(v) => (v.clone(), false),
        None => match live_data(store, false) {
            Ok(live) => (gate::judge(&challenger, &base, &live), true),
            Err(e) => {
                tracing::warn!(version = challenger.version(), error = %e, "cannot read the activation gate's window; the challenger waits");
                return stay;
            }
        },
    };
    if fresh {
        tracing::info!(version = challenger.version(), against = base.version(), passed = verdict.passed, reason = %verdict.reason, "activation gate");
        verdicts.insert(challenger.version().to_owned(), verdict.clone());
    }
    if !verdict.passed {
        // Recorded only now that it matters: a restart must not serve the
        // held-back file as the newest.
        if fresh
            && pin::read(models_dir, Slot::Gated).is_none()
            && let Err(e) = pin::write(models_dir, Slot::Gated, Some(base.version()))
        {
            tracing::error!(error = %e, "cannot record the gated version");
        }
        return Choice {
            model: base,
            held_back: fresh.then_some(challenger),
        };
    }
    if let Err(e) = pin::write(models_dir, Slot::Gated, Some(challenger.version())) {
        tracing::error!(error = %e, "cannot record the gated version; it serves until restart");
    }
    Choice {
        model: challenger,
        held_back: None,
    }
}

/// The model serving unpinned at start: the `gated-version` file's, else
/// (no challenger held back yet, or its file gone) the newest valid one.
pub fn at_start(models_dir: &Path, catalog: &Catalog) -> Option<Arc<LinearModel>> {
    pin::read(models_dir, Slot::Gated)
        .and_then(|v| catalog.valid(&v).ok())
        .or_else(|| catalog.newest())
}

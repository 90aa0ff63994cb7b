//! leadscore-train: learns activity weights from closed-won history with
//! polars (data) and linfa-logistic (fit), evaluates honestly and writes
//! the versioned `leadscore.model/v1` files the service serves. Features are
//! computed by the service's own code (`leadscore_core::features`).
//!
//! Pipeline: [`input`] → [`encoding`] → [`design`] → [`select`] (with [`per_type`]) / [`fit`] → [`evaluate`] /
//! [`threshold`] / [`points`] / [`leakage`] → [`output`] / [`report`]. [`simulate`] makes
//! synthetic histories with known truth.

pub mod cli;
pub mod design;
pub mod design_export;
pub mod encoding;
pub mod error;
pub mod evaluate;
pub mod fit;
pub mod fitted;
pub mod hyperparameters;
pub mod input;
pub mod leakage;
pub mod output;
pub mod per_type;
pub mod plots;
pub mod points;
pub mod progress;
pub mod report;
pub mod score;
pub mod select;
pub mod settings;
pub mod simulate;
pub mod split;
pub mod threshold;
pub mod train;

//! Groklab: watch a neural network discover an algorithm.
//!
//! One training core for the browser (wasm, WebGPU or CPU) and the command line.
//! See ARCHITECTURE.md for a map of the modules.

pub mod analysis;
pub mod axis;
pub mod config;
pub mod landscape;
pub mod device;
pub mod formula;
pub mod table;
pub mod model;
pub mod optim;
pub mod phase;
pub mod presets;
// Only the CLI writes reports; the wasm build need not carry the page's sources twice.
#[cfg(feature = "cli")]
pub mod report;
pub mod rng;
pub mod run;
pub mod start;
pub mod sweep;
pub mod tasks;
pub mod train;
pub mod transfer;
#[cfg(target_arch = "wasm32")]
pub mod web;

/// Natively, mimalloc (see Cargo.toml: glibc's malloc page-faulted half of each step away).
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub use config::{ConfigError, RunConfig};
pub use phase::Phase;
pub use train::{Record, Session, Status, Summary};

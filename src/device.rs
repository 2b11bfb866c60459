//! Picking a compute device at run time: burn's flex CPU backend or wgpu.

use burn::tensor::Device;

/// Which backend a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// burn's pure-Rust CPU backend (flex): runs everywhere, also in wasm.
    Cpu,
    /// burn's wgpu backend: Vulkan/Metal/DX12 natively, WebGPU in a browser.
    Gpu,
}

impl std::str::FromStr for Backend {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "cpu" => Ok(Backend::Cpu),
            "gpu" | "wgpu" | "webgpu" => Ok(Backend::Gpu),
            other => Err(format!("--device = {other}: must be cpu or gpu")),
        }
    }
}

/// The CPU device.
pub fn cpu() -> Device {
    Device::flex()
}

/// Initialise the wgpu device (asynchronously, as browsers require).
#[cfg(feature = "webgpu")]
pub async fn gpu() -> Result<Device, String> {
    Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| format!("no usable GPU adapter: {e}"))
}

/// This build has no GPU backend (the browser's multi-threaded CPU build).
#[cfg(not(feature = "webgpu"))]
pub async fn gpu() -> Result<Device, String> {
    Err("this build has no GPU backend: it is the multi-threaded CPU build (the page loads the WebGPU build for a run on WebGPU)".into())
}

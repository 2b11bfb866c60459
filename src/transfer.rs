//! Moving tensors and modules between devices (WebGPU ⇄ CPU) with asynchronous reads only.
//!
//! burn's `to_device` reads a GPU buffer synchronously, which panics in wasm: a browser can
//! only map GPU memory asynchronously. These helpers read with `into_data_async` and upload
//! the values to the new device, so switching backend mid-run works in the page too.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::tensor::{Device, Tensor, TensorData};
use std::collections::HashMap;

/// Read `tensor` back to the host, asynchronously.
pub async fn read<const D: usize>(tensor: Tensor<D>) -> Result<TensorData, String> {
    #[cfg(test)]
    fault::check()?;
    tensor.into_data_async().await.map_err(|e| format!("reading a tensor back failed: {e:?}"))
}

/// Wait until the device has finished the work queued so far, by reading back one number of
/// `tensor` (work a device runs in order, so a result computed last is ready only after the
/// rest): a GPU queues work and returns at once, and a timed window must include it.
pub async fn settle<const D: usize>(tensor: Tensor<D>) -> Result<(), String> {
    read(tensor.flatten::<1>(0, D - 1).slice(0..1)).await.map(|_| ())
}

/// Test-only fault injection: make the n-th next read fail, as a lost device would.
#[cfg(test)]
pub(crate) mod fault {
    use std::cell::Cell;
    thread_local! {
        static READS_LEFT: Cell<Option<usize>> = const { Cell::new(None) };
    }

    /// Let `n` more reads succeed, then fail every read until [`clear`].
    pub(crate) fn fail_after(n: usize) {
        READS_LEFT.with(|c| c.set(Some(n)));
    }

    /// Reads succeed again.
    pub(crate) fn clear() {
        READS_LEFT.with(|c| c.set(None));
    }

    pub(super) fn check() -> Result<(), String> {
        READS_LEFT.with(|c| match c.get() {
            Some(0) => Err("injected device failure".to_string()),
            Some(n) => {
                c.set(Some(n - 1));
                Ok(())
            }
            None => Ok(()),
        })
    }
}

/// The same values as `tensor`, on `device` (a plain, non-autodiff tensor).
pub async fn move_tensor<const D: usize>(tensor: Tensor<D>, device: &Device) -> Result<Tensor<D>, String> {
    Ok(Tensor::from_data(read(tensor).await?, device))
}

/// The same module with every parameter's values on `device` (an autodiff device for
/// trainable modules); parameter ids and the `require_grad` flags are kept.
pub async fn move_module<M: Module>(module: M, device: &Device) -> Result<M, String> {
    let mut flat = Flatten(Vec::new());
    module.visit(&mut flat);
    let mut values = HashMap::new();
    for (id, tensor) in flat.0 {
        values.insert(id, read(tensor).await?);
    }
    Ok(module.map(&mut Upload { values, device: device.clone() }))
}

/// The same module with each parameter's values taken from `files`, matched by name
/// (`start::ParamFile`, as `--save-init` writes them) and uploaded to `device`. Every
/// parameter must be there with its shape, and nothing else may be.
pub fn load_parameters<M: Module>(module: M, files: &[crate::start::ParamFile], device: &Device) -> Result<M, String> {
    let mut by_name: HashMap<&str, &crate::start::ParamFile> = files.iter().map(|f| (f.name.as_str(), f)).collect();
    if by_name.len() != files.len() {
        return Err("the start file names a parameter twice".into());
    }
    let mut values = HashMap::new();
    for p in crate::train::visit_parameters(&module) {
        let file = by_name.remove(p.name.as_str()).ok_or_else(|| format!("the start file has no parameter {}", p.name))?;
        if file.shape != p.shape || file.values.len() != p.shape.iter().product::<usize>() {
            return Err(format!("parameter {}: the start file's is {:?} ({} values), the model's {:?}", p.name, file.shape, file.values.len(), p.shape));
        }
        if let Some(bad) = file.values.iter().find(|v| !v.is_finite()) {
            return Err(format!("parameter {}: the start file holds {bad}", p.name));
        }
        values.insert(p.id, TensorData::new(file.values.clone(), [file.values.len()]));
    }
    if let Some(extra) = by_name.keys().next() {
        return Err(format!("the start file has a parameter the model does not: {extra}"));
    }
    Ok(module.map(&mut Upload { values, device: device.clone() }))
}

/// Every float parameter as a flat 1-D tensor (one readback per parameter, any rank).
struct Flatten(Vec<(ParamId, Tensor<1>)>);

impl ModuleVisitor for Flatten {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.push((param.id, param.val().without_autodiff().flatten(0, D - 1)));
    }
}

/// Replaces each parameter by its read-back values, uploaded to `device`.
struct Upload {
    values: HashMap<ParamId, TensorData>,
    device: Device,
}

impl ModuleMapper for Upload {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let values = self.values.remove(&id).expect("every parameter was read back");
        let mut moved = Tensor::<1>::from_data(values, &self.device).reshape(tensor.dims());
        if tensor.is_require_grad() {
            moved = moved.require_grad();
        }
        Param::from_mapped_value(id, moved, mapper)
    }
}

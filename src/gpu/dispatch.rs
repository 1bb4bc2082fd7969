//! Dispatch helpers both GPU runners use (the trajectory runner, [`super::runner`], and the
//! trainability kernel's, `nn::gpu`): workgroup counts, per-dispatch uniforms packed at the
//! adapter's offset alignment, a compute pass of dispatches with dynamic offsets, submitting
//! and waiting, and reading a buffer back. They know nothing of any kernel's bindings or plan.

use super::context::GpuContext;
use super::pipeline::WORKGROUP_SIZE;
use crate::error::Error;

/// Workgroup counts `(x, y)` covering `cells` invocations, balanced so that neither dimension
/// exceeds `max_dim` and little work is wasted: the kernel's index is `x + y * (wg_x * WG)`.
pub fn dispatch_size(cells: u32, max_dim: u32) -> (u32, u32) {
    let groups = cells.div_ceil(WORKGROUP_SIZE);
    let wg_y = groups.div_ceil(max_dim);
    (groups.div_ceil(wg_y), wg_y)
}

/// The bytes of `items` laid out one per `align` bytes (item `k` at `k * align`, the rest
/// zero), to be bound one at a time through a dynamic offset.
pub fn pack_aligned<T: bytemuck::Pod>(items: &[T], align: u64) -> Vec<u8> {
    let mut bytes = vec![0u8; align as usize * items.len()];
    for (k, item) in items.iter().enumerate() {
        let at = k * align as usize;
        bytes[at..at + size_of::<T>()].copy_from_slice(bytemuck::bytes_of(item));
    }
    bytes
}

/// Records one compute pass labelled `label` running `pipeline` `count` times over
/// `(wx, wy)` workgroups, dispatch `k` binding `bind_group` at dynamic offset `k * align`.
pub fn record_dispatches(
    encoder: &mut wgpu::CommandEncoder,
    label: &str,
    pipeline: &wgpu::ComputePipeline,
    bind_group: &wgpu::BindGroup,
    count: usize,
    align: u64,
    (wx, wy): (u32, u32),
) {
    let mut pass = encoder
        .begin_compute_pass(&wgpu::ComputePassDescriptor { label: Some(label), timestamp_writes: None });
    pass.set_pipeline(pipeline);
    for k in 0..count {
        pass.set_bind_group(0, bind_group, &[(k as u64 * align) as u32]);
        pass.dispatch_workgroups(wx, wy, 1);
    }
}

/// Submits `encoder`'s commands, waits for them to finish and returns the first error wgpu
/// reported meanwhile.
pub fn submit_and_wait(ctx: &GpuContext, encoder: wgpu::CommandEncoder) -> Result<(), Error> {
    let index = ctx.queue.submit([encoder.finish()]);
    ctx.device
        .poll(wgpu::PollType::Wait { submission_index: Some(index), timeout: None })
        .map_err(|e| Error::Gpu(format!("waiting for the GPU: {e}")))?;
    ctx.take_error()
}

/// Maps the first `bytes` of a MAP_READ buffer, copies them out and unmaps it.
pub fn read_mapped<T: bytemuck::Pod>(
    ctx: &GpuContext,
    buffer: &wgpu::Buffer,
    bytes: u64,
) -> Result<Vec<T>, Error> {
    read_mapped_with(ctx, buffer, bytes, <[T]>::to_vec)
}

/// [`read_mapped`] handing the mapped `T`s to `use_them` in place, without copying them out
/// first (a 4096x4096 tile's final states are 900 MB).
pub fn read_mapped_with<T: bytemuck::Pod, R>(
    ctx: &GpuContext,
    buffer: &wgpu::Buffer,
    bytes: u64,
    use_them: impl FnOnce(&[T]) -> R,
) -> Result<R, Error> {
    let mapped = MappedRead::request(buffer, bytes);
    ctx.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| Error::Gpu(format!("waiting for the readback: {e}")))?;
    let out = mapped.finish_with(pollster::block_on(mapped.receiver.receive()), use_them)?;
    ctx.take_error()?;
    Ok(out)
}

/// A read of the first bytes of a MAP_READ buffer, requested and not yet mapped: the native
/// runner waits for it by polling the device ([`read_mapped`]), the browser by awaiting
/// [`MappedRead::receiver`].
pub struct MappedRead<'a> {
    buffer: &'a wgpu::Buffer,
    slice: wgpu::BufferSlice<'a>,
    /// Receives the mapping's result once the device has mapped the buffer.
    pub receiver: futures_intrusive::channel::shared::OneshotReceiver<Result<(), wgpu::BufferAsyncError>>,
}

impl<'a> MappedRead<'a> {
    /// Asks the device to map the first `bytes` of `buffer` for reading.
    pub fn request(buffer: &'a wgpu::Buffer, bytes: u64) -> MappedRead<'a> {
        let slice = buffer.slice(..bytes);
        let (sender, receiver) = futures_intrusive::channel::shared::oneshot_channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            sender.send(r).ok();
        });
        MappedRead { buffer, slice, receiver }
    }

    /// Given what [`MappedRead::receiver`] received, copies the mapped bytes out as `T`s and
    /// unmaps the buffer.
    pub fn finish<T: bytemuck::Pod>(
        &self,
        received: Option<Result<(), wgpu::BufferAsyncError>>,
    ) -> Result<Vec<T>, Error> {
        self.finish_with(received, <[T]>::to_vec)
    }

    /// [`MappedRead::finish`] handing the mapped `T`s to `use_them` in place, then unmapping.
    pub fn finish_with<T: bytemuck::Pod, R>(
        &self,
        received: Option<Result<(), wgpu::BufferAsyncError>>,
        use_them: impl FnOnce(&[T]) -> R,
    ) -> Result<R, Error> {
        received
            .ok_or_else(|| Error::Gpu("the readback was dropped".into()))?
            .map_err(|e| Error::Gpu(format!("mapping the readback buffer: {e}")))?;
        let out = {
            let view = self
                .slice
                .get_mapped_range()
                .map_err(|e| Error::Gpu(format!("reading the mapped buffer: {e}")))?;
            use_them(bytemuck::cast_slice::<u8, T>(&view))
        };
        self.buffer.unmap();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatch_is_balanced_and_covers_every_cell() {
        let (x, y) = dispatch_size(1 << 22, 65_535);
        assert_eq!((x, y), (32_768, 2));
        for cells in [1, 63, 64, 65, 100_000, 5_000_000] {
            let (x, y) = dispatch_size(cells, 65_535);
            assert!(x <= 65_535 && (x as u64 * y as u64 * 64) >= cells as u64);
        }
    }

    #[test]
    fn packed_uniforms_sit_one_per_alignment_with_zeros_between() {
        let bytes = pack_aligned(&[[1u32, 2], [3, 4]], 16);
        let words: &[u32] = bytemuck::cast_slice(&bytes);
        assert_eq!(words, [1, 2, 0, 0, 3, 4, 0, 0]);
    }
}

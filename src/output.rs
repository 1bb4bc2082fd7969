//! The only code that writes files. Every output goes to a temporary file beside its target
//! and is renamed into place only once all outputs of a job are complete, so a failure leaves
//! no half-written files behind.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use image::RgbImage;
use npyz::WriterBuilder;

use crate::error::Error;

/// One array for an `.npz` archive: a name and row-major data of the given shape.
pub enum Array<'a> {
    /// float32 data.
    F32(&'a str, Vec<u64>, &'a [f32]),
    /// float64 data.
    F64(&'a str, Vec<u64>, &'a [f64]),
    /// int32 data.
    I32(&'a str, Vec<u64>, &'a [i32]),
    /// bool data.
    Bool(&'a str, Vec<u64>, Vec<bool>),
}

/// A set of files written together: staged under temporary names, then committed.
pub struct OutputSet {
    staged: Vec<(PathBuf, PathBuf)>,
}

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Write { path: path.to_path_buf(), source }
}

fn temp_name(target: &Path) -> PathBuf {
    let mut name = target.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".{}.tmp", std::process::id()));
    target.with_file_name(name)
}

impl OutputSet {
    /// An empty set.
    pub fn new() -> Self {
        OutputSet { staged: Vec::new() }
    }

    fn stage(
        &mut self,
        target: &Path,
        fill: impl FnOnce(&mut BufWriter<File>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(write_err(dir))?;
        }
        let temp = temp_name(target);
        // Registered before writing, so a failure below still removes the partial file.
        self.staged.push((temp.clone(), target.to_path_buf()));
        let file = File::create(&temp).map_err(write_err(target))?;
        let mut w = BufWriter::new(file);
        fill(&mut w)?;
        w.flush().map_err(write_err(target))?;
        w.into_inner()
            .map_err(|e| write_err(target)(e.into_error()))?
            .sync_all()
            .map_err(write_err(target))?;
        Ok(())
    }

    /// Stages a PNG carrying `text` as UTF-8 (iTXt) chunks, keyword first.
    pub fn png(&mut self, target: &Path, img: &RgbImage, text: &[(&str, String)]) -> Result<(), Error> {
        self.apng(target, std::slice::from_ref(img), 1, text)
    }

    /// Stages an animated PNG: `frames` (all the size of the first) shown at `fps` frames per
    /// second and looped; one frame writes a plain PNG. Viewers without APNG support show the
    /// first frame.
    pub fn apng(
        &mut self,
        target: &Path,
        frames: &[RgbImage],
        fps: u32,
        text: &[(&str, String)],
    ) -> Result<(), Error> {
        let png_err = |e: png::EncodingError| Error::Write {
            path: target.to_path_buf(),
            source: std::io::Error::other(e),
        };
        let first = frames.first().expect("a PNG has at least one frame");
        self.stage(target, |w| {
            let mut enc = png::Encoder::new(w, first.width(), first.height());
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            for (k, v) in text {
                enc.add_itxt_chunk(k.to_string(), v.clone()).map_err(png_err)?;
            }
            if frames.len() > 1 {
                enc.set_animated(frames.len() as u32, 0).map_err(png_err)?;
                enc.set_frame_delay(1, fps.clamp(1, 100) as u16).map_err(png_err)?;
            }
            let mut writer = enc.write_header().map_err(png_err)?;
            for f in frames {
                writer.write_image_data(f.as_raw()).map_err(png_err)?;
            }
            writer.finish().map_err(png_err)
        })
    }

    /// Stages a text file (JSON, CSV).
    pub fn text(&mut self, target: &Path, text: &str) -> Result<(), Error> {
        self.stage(target, |w| w.write_all(text.as_bytes()).map_err(write_err(target)))
    }

    /// Stages an uncompressed `.npz` archive readable by `numpy.load`.
    pub fn npz(&mut self, target: &Path, arrays: &[Array<'_>]) -> Result<(), Error> {
        self.stage(target, |w| {
            let io = write_err(target);
            let mut zip = zip::ZipWriter::new(w);
            for a in arrays {
                let (name, bytes) = match a {
                    Array::F32(n, s, _) | Array::I32(n, s, _) => (*n, 4 * s.iter().product::<u64>()),
                    Array::F64(n, s, _) => (*n, 8 * s.iter().product::<u64>()),
                    Array::Bool(n, s, _) => (*n, s.iter().product::<u64>()),
                };
                let opts = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Stored)
                    .large_file(bytes + 1024 >= u32::MAX as u64);
                zip.start_file(format!("{name}.npy"), opts).map_err(|e| Error::Write {
                    path: target.to_path_buf(),
                    source: std::io::Error::other(e),
                })?;
                match a {
                    Array::F32(_, s, d) => write_npy(&mut zip, s, d),
                    Array::F64(_, s, d) => write_npy(&mut zip, s, d),
                    Array::I32(_, s, d) => write_npy(&mut zip, s, d),
                    Array::Bool(_, s, d) => {
                        let bytes: Vec<u8> = d.iter().map(|&b| b as u8).collect();
                        write_npy_header::<bool, _>(&mut zip, s).and_then(|()| zip.write_all(&bytes))
                    }
                }
                .map_err(write_err(target))?;
            }
            zip.finish().map_err(|e| io(std::io::Error::other(e)))?;
            Ok(())
        })
    }

    /// Renames every staged file into place.
    pub fn commit(mut self) -> Result<Vec<PathBuf>, Error> {
        let staged = std::mem::take(&mut self.staged);
        let mut done = Vec::new();
        for (temp, target) in &staged {
            fs::rename(temp, target).map_err(write_err(target))?;
            done.push(target.clone());
        }
        Ok(done)
    }
}

impl Default for OutputSet {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for OutputSet {
    /// Removes temporaries of a set that was never committed.
    fn drop(&mut self) {
        for (temp, _) in &self.staged {
            let _ = fs::remove_file(temp);
        }
    }
}

/// Writes the `.npy` header of a `T` array of `shape` (npyz's, with `T`'s default dtype).
fn write_npy_header<T: npyz::AutoSerialize, W: Write>(mut w: W, shape: &[u64]) -> std::io::Result<()> {
    npyz::WriteOptions::<T>::new().default_dtype().shape(shape).writer(&mut w).write_header_only()?;
    Ok(())
}

/// Writes one `.npy` array: npyz's header, then the data as one little-endian block (element by
/// element through npyz on big-endian hosts). One large write instead of one per element keeps
/// the zip's CRC and the file write at memory speed: about 30 ms less per 1024^2 map.
fn write_npy<T: npyz::AutoSerialize + bytemuck::Pod, W: Write>(
    mut w: W,
    shape: &[u64],
    data: &[T],
) -> std::io::Result<()> {
    if cfg!(target_endian = "little") {
        write_npy_header::<T, _>(&mut w, shape)?;
        w.write_all(bytemuck::cast_slice(data))
    } else {
        let mut buf = BufWriter::with_capacity(1 << 16, w);
        let mut npy = npyz::WriteOptions::new().default_dtype().shape(shape).writer(&mut buf).begin_nd()?;
        npy.extend(data.iter().copied())?;
        npy.finish()?;
        buf.flush()
    }
}

/// Appends `.ext` to a prefix (`out/run` -> `out/run.png`), keeping dots in the prefix.
pub fn with_ext(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_os_string();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

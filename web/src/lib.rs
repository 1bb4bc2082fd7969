//! `downhill-web`: the lab in the browser. The `downhill` library compiled to wasm32 (its
//! landscape and optimiser registries, expression parser, spec building, WGSL composition,
//! uniform layout and painting) with a small WebGPU runner ([`gpu`]) that never blocks, exposed
//! to the page's JavaScript through wasm-bindgen.
//!
//! The page speaks in figure recipes (`downhill::recipe::Recipe` as JSON, the fields of a
//! figure file's `[[figure]]` table), so what it shows is what `downhill render` would draw.
//! Layout, sliders and drawing of frames and paths live in `web/lab.js`, not here.

use downhill::recipe::Recipe;
use downhill::spec::{Axis, Scale, Spec};
use downhill::{Error, param};
use serde::Serialize;
use wasm_bindgen::prelude::*;

pub mod export;
pub mod gpu;
pub mod view;

/// A library error as a JavaScript exception carrying its message.
fn js(e: Error) -> JsError {
    JsError::new(&e.to_string())
}

/// Milliseconds since an arbitrary origin, for timings.
fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The recipe the page sent, and the spec of its map.
fn spec_of(recipe_json: &str) -> Result<(Recipe, Spec), Error> {
    let recipe: Recipe = serde_json::from_str(recipe_json).map_err(|e| {
        Error::input("recipe", format!("the page sent a recipe the library cannot read: {e}"))
    })?;
    let optimisers = recipe.optimisers()?;
    let spec = recipe.map_spec(&optimisers[0])?;
    Ok((recipe, spec))
}

#[derive(Serialize)]
struct ParamView {
    name: &'static str,
    default: f32,
    domain: &'static str,
    doc: &'static str,
}

#[derive(Serialize)]
struct Entry {
    name: &'static str,
    formula: &'static str,
    domain: Option<[f64; 4]>,
    params: Vec<ParamView>,
}

fn params(defs: &[param::ParamDef]) -> Vec<ParamView> {
    defs.iter()
        .map(|p| ParamView { name: p.name, default: p.default, domain: p.domain.describe(), doc: p.doc })
        .collect()
}

/// The library's landscapes and optimisers with their parameters, as JSON
/// `{landscapes: [{name, formula, domain, params}], optimisers: [...]}`.
#[wasm_bindgen]
pub fn catalogue() -> String {
    let landscapes: Vec<Entry> = downhill::landscape::LANDSCAPES
        .iter()
        .map(|l| Entry { name: l.name, formula: l.formula, domain: Some(l.domain), params: params(l.params) })
        .collect();
    let optimisers: Vec<Entry> = downhill::optimiser::OPTIMISERS
        .iter()
        .map(|o| Entry { name: o.name, formula: o.rule, domain: None, params: params(o.params) })
        .collect();
    serde_json::json!({ "landscapes": landscapes, "optimisers": optimisers }).to_string()
}

/// The `downhill` command line that renders the recipe's figure to `PREFIX.png`.
#[wasm_bindgen]
pub fn command_line(recipe_json: &str, prefix: &str) -> Result<String, JsError> {
    let (recipe, _) = spec_of(recipe_json).map_err(js)?;
    export::command_line(&recipe, prefix).map_err(js)
}

/// The recipe's `[[figure]]` table for a figure file, named `name`.
#[wasm_bindgen]
pub fn figure_toml(recipe_json: &str, name: &str) -> Result<String, JsError> {
    let (recipe, _) = spec_of(recipe_json).map_err(js)?;
    Ok(export::figure_toml(&recipe, name))
}

/// Checks a recipe (landscape expression, optimiser, numbers) without running it; the error
/// names the culprit.
#[wasm_bindgen]
pub fn check(recipe_json: &str) -> Result<(), JsError> {
    spec_of(recipe_json).map(|_| ()).map_err(js)
}

/// A computed map: its pixels, labels and what the page draws around them.
#[wasm_bindgen]
pub struct MapResult {
    view: view::MapView,
    gpu_ms: f64,
    paint_ms: f64,
}

#[wasm_bindgen]
impl MapResult {
    /// RGBA pixels, row by row from the top.
    pub fn rgba(&self) -> Vec<u8> {
        self.view.rgba.clone()
    }

    /// Basin labels, row-major from the lowest row (the `.npz` order).
    pub fn labels(&self) -> Vec<i32> {
        self.view.labels.clone()
    }

    /// Everything else as JSON: size, key, markers, theory curve, fractions, timings.
    pub fn meta(&self) -> String {
        let mut v = serde_json::to_value(&self.view).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("labels");
            o.insert("gpu_ms".into(), self.gpu_ms.into());
            o.insert("paint_ms".into(), self.paint_ms.into());
        }
        v.to_string()
    }
}

/// The lab: a WebGPU device and its pipelines.
#[wasm_bindgen]
pub struct Lab {
    gpu: gpu::Gpu,
}

#[wasm_bindgen]
impl Lab {
    /// Opens the browser's WebGPU adapter; fails with a plain message where there is none.
    pub async fn open() -> Result<Lab, JsError> {
        Ok(Lab { gpu: gpu::Gpu::open().await.map_err(js)? })
    }

    /// The adapter's name and type.
    pub fn adapter(&self) -> String {
        self.gpu.adapter.clone()
    }

    /// Runs the recipe's map on the GPU, reads it back and paints it.
    pub async fn map(&mut self, recipe_json: &str) -> Result<MapResult, JsError> {
        let (_, spec) = spec_of(recipe_json).map_err(js)?;
        let t0 = now_ms();
        let run = self.gpu.run(&spec, false).await.map_err(js)?;
        let t1 = now_ms();
        let mut out = downhill::outcome::Outcomes::with_capacity(spec.x.cells, spec.y.cells);
        for s in &run.states {
            out.push(s);
        }
        let view = view::paint_map(&spec, &out).map_err(js)?;
        Ok(MapResult { view, gpu_ms: t1 - t0, paint_ms: now_ms() - t1 })
    }

    /// The trajectory of the cell at window fractions `(fx, fy)` of the recipe's map (from
    /// the left and from the bottom): its start point on a basin map, its learning rate and
    /// curvature on a stability map. JSON `{points: [[x, y, loss], ...], window, start,
    /// diverged_at}`, iterates up to divergence or the last step.
    pub async fn path(&mut self, recipe_json: &str, fx: f64, fy: f64) -> Result<String, JsError> {
        let (_, map) = spec_of(recipe_json).map_err(js)?;
        let spec = single_cell(&map, fx, fy);
        let run = self.gpu.run(&spec, true).await.map_err(js)?;
        let last = run.states[0];
        let n = if last.div_step >= 0 { last.div_step as usize + 1 } else { spec.steps as usize + 1 };
        let points: Vec<[f32; 3]> = run.trace[..n].iter().map(|r| [r[0], r[1], r[2]]).collect();
        let value = |axis: &Axis| axis.value_at(0.5);
        Ok(serde_json::json!({
            "points": points,
            "window": map.basin_domain(),
            "cell": [value(&spec.x), value(&spec.y)],
            "axes": [spec.x.param, spec.y.param],
            "diverged_at": (last.div_step >= 0).then_some(last.div_step),
            "converged_at": (last.conv_step >= 0).then_some(last.conv_step),
        })
        .to_string())
    }

    /// The recipe's landscape over its basin window as `w x h` RGBA pixels with contour
    /// lines, the background a path is drawn on.
    pub fn contours(&self, recipe_json: &str, w: u32, h: u32) -> Result<Vec<u8>, JsError> {
        let (_, spec) = spec_of(recipe_json).map_err(js)?;
        Ok(view::contour_view(&spec, spec.basin_domain(), w.clamp(1, 1024), h.clamp(1, 1024)))
    }
}

/// The one-cell spec of the cell of `map` at window fractions `(fx, fy)`: both axes narrowed
/// to a single cell centred on that cell's values.
fn single_cell(map: &Spec, fx: f64, fy: f64) -> Spec {
    let narrow = |a: &Axis, f: f64| {
        let cell = (f.clamp(0.0, 1.0) * a.cells as f64).floor().min(a.cells as f64 - 1.0);
        let v = a.value_at(cell + 0.5);
        let half = (a.value_at(cell + 1.0) - a.value_at(cell)).abs() / 2.0;
        Axis { lo: v - half, hi: v + half, scale: Scale::Lin, cells: 1, ..a.clone() }
    };
    Spec { x: narrow(&map.x, fx), y: narrow(&map.y, fy), ..map.clone() }
}

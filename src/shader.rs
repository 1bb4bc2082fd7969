//! Shader composition: a small `#import` resolver that splices the landscape and optimiser
//! pieces into `shaders/kernel.wgsl`, producing one specialised module per pair, and naga
//! validation of the result (used by the tests and before pipeline creation).
//!
//! The WGSL sources are compiled into the binary from `shaders/`; nothing is read at run time.
//! `#import landscape` and `#import optimiser` are aliases for the chosen pieces; any other
//! `#import path` names a file under `shaders/` without its `.wgsl` extension. Each file is
//! spliced at most once; unknown imports and cycles are errors.

use crate::error::Error;
use crate::landscape::Landscape;
use crate::optimiser::Optimiser;

/// Every WGSL file, by path under `shaders/` without the extension.
pub static SOURCES: &[(&str, &str)] = &[
    ("kernel", include_str!("../shaders/kernel.wgsl")),
    ("common/numerics", include_str!("../shaders/common/numerics.wgsl")),
    ("common/options", include_str!("../shaders/common/options.wgsl")),
    ("common/hash", include_str!("../shaders/common/hash.wgsl")),
    ("nn/common", include_str!("../shaders/nn/common.wgsl")),
    ("nn/train", include_str!("../shaders/nn/train.wgsl")),
    ("nn/train_workgroup", include_str!("../shaders/nn/train_workgroup.wgsl")),
    ("nn/train_unit", include_str!("../shaders/nn/train_unit.wgsl")),
    ("common/moments", include_str!("../shaders/common/moments.wgsl")),
    ("common/state", include_str!("../shaders/common/state.wgsl")),
    ("landscapes/quadratic", include_str!("../shaders/landscapes/quadratic.wgsl")),
    ("landscapes/rosenbrock", include_str!("../shaders/landscapes/rosenbrock.wgsl")),
    ("landscapes/saddle", include_str!("../shaders/landscapes/saddle.wgsl")),
    ("landscapes/bumpy", include_str!("../shaders/landscapes/bumpy.wgsl")),
    ("landscapes/himmelblau", include_str!("../shaders/landscapes/himmelblau.wgsl")),
    ("landscapes/booth", include_str!("../shaders/landscapes/booth.wgsl")),
    ("landscapes/matyas", include_str!("../shaders/landscapes/matyas.wgsl")),
    ("landscapes/beale", include_str!("../shaders/landscapes/beale.wgsl")),
    ("landscapes/goldstein_price", include_str!("../shaders/landscapes/goldstein_price.wgsl")),
    ("landscapes/three_hump_camel", include_str!("../shaders/landscapes/three_hump_camel.wgsl")),
    ("landscapes/six_hump_camel", include_str!("../shaders/landscapes/six_hump_camel.wgsl")),
    ("landscapes/rastrigin", include_str!("../shaders/landscapes/rastrigin.wgsl")),
    ("landscapes/ackley", include_str!("../shaders/landscapes/ackley.wgsl")),
    ("landscapes/styblinski_tang", include_str!("../shaders/landscapes/styblinski_tang.wgsl")),
    ("landscapes/levi", include_str!("../shaders/landscapes/levi.wgsl")),
    ("landscapes/mccormick", include_str!("../shaders/landscapes/mccormick.wgsl")),
    ("landscapes/monkey_saddle", include_str!("../shaders/landscapes/monkey_saddle.wgsl")),
    ("landscapes/rotated", include_str!("../shaders/landscapes/rotated.wgsl")),
    ("landscapes/liu", include_str!("../shaders/landscapes/liu.wgsl")),
    ("optimisers/gd", include_str!("../shaders/optimisers/gd.wgsl")),
    ("optimisers/momentum", include_str!("../shaders/optimisers/momentum.wgsl")),
    ("optimisers/nesterov", include_str!("../shaders/optimisers/nesterov.wgsl")),
    ("optimisers/rmsprop", include_str!("../shaders/optimisers/rmsprop.wgsl")),
    ("optimisers/adam", include_str!("../shaders/optimisers/adam.wgsl")),
    ("optimisers/adagrad", include_str!("../shaders/optimisers/adagrad.wgsl")),
    ("optimisers/adamw", include_str!("../shaders/optimisers/adamw.wgsl")),
    ("optimisers/nadam", include_str!("../shaders/optimisers/nadam.wgsl")),
    ("optimisers/lion", include_str!("../shaders/optimisers/lion.wgsl")),
    ("optimisers/amsgrad", include_str!("../shaders/optimisers/amsgrad.wgsl")),
    ("optimisers/newton", include_str!("../shaders/optimisers/newton.wgsl")),
    ("optimisers/momentum_sutskever", include_str!("../shaders/optimisers/momentum_sutskever.wgsl")),
];

/// Resolves `#import` lines in `root`, looking files up with `lookup`.
pub fn resolve(root: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, Error> {
    let mut out = String::new();
    let mut done: Vec<String> = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    splice(root, lookup, &mut out, &mut done, &mut stack)?;
    Ok(out)
}

fn splice(
    name: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
    done: &mut Vec<String>,
    stack: &mut Vec<String>,
) -> Result<(), Error> {
    if stack.iter().any(|s| s == name) {
        return Err(Error::Shader(format!("import cycle: {} -> {name}", stack.join(" -> "))));
    }
    if done.iter().any(|s| s == name) {
        return Ok(());
    }
    let text = lookup(name).ok_or_else(|| {
        let from = stack.last().map_or(String::new(), |s| format!(" (imported by {s})"));
        Error::Shader(format!("no shader named `{name}`{from}"))
    })?;
    stack.push(name.to_string());
    out.push_str(&format!("// ---- {name}.wgsl\n"));
    for line in text.lines() {
        match line.trim().strip_prefix("#import") {
            Some(rest) => splice(rest.trim(), lookup, out, done, stack)?,
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    stack.pop();
    done.push(name.to_string());
    Ok(())
}

/// The kernel specialised for one landscape and one optimiser, as a single WGSL source.
pub fn compose(landscape: &Landscape, optimiser: &Optimiser) -> Result<String, Error> {
    let o = format!("optimisers/{}", optimiser.name);
    resolve("kernel", &|name| match name {
        "landscape" => landscape_source(landscape),
        "optimiser" => source(&o),
        other => source(other),
    })
}

/// The WGSL file at `path` (e.g. `common/hash`), from the built-in table.
pub fn source(path: &str) -> Option<String> {
    SOURCES.iter().find(|(p, _)| *p == path).map(|(_, s)| s.to_string())
}

/// The WGSL landscape piece that runs for `landscape`: its file, or the code generated from
/// an expression.
pub fn landscape_source(landscape: &Landscape) -> Option<String> {
    match landscape.generated_wgsl() {
        Some(code) => Some(code.to_string()),
        None => source(&format!("landscapes/{}", landscape.piece)),
    }
}

/// Parses and validates WGSL with naga, returning the module or a message with the location.
pub fn validate(source: &str) -> Result<naga::Module, Error> {
    let module = naga::front::wgsl::parse_str(source).map_err(|e| Error::Shader(e.emit_to_string(source)))?;
    naga::valid::Validator::new(naga::valid::ValidationFlags::all(), naga::valid::Capabilities::all())
        .validate(&module)
        .map_err(|e| Error::Shader(e.emit_to_string(source)))?;
    Ok(module)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |n| list.iter().find(|(p, _)| *p == n).map(|(_, s)| s.to_string())
    }

    #[test]
    fn imports_are_spliced_once_in_order() {
        let lib = files(&[("root", "#import a\n#import b\nR"), ("a", "#import b\nA"), ("b", "B")]);
        let out = resolve("root", &lib).unwrap();
        let body: Vec<&str> = out.lines().filter(|l| !l.starts_with("//")).collect();
        assert_eq!(body, vec!["B", "A", "R"]);
    }

    #[test]
    fn unknown_imports_and_cycles_are_errors() {
        let missing = files(&[("root", "#import nope")]);
        assert!(resolve("root", &missing).unwrap_err().to_string().contains("`nope`"));
        let cycle = files(&[("root", "#import a"), ("a", "#import root")]);
        assert!(resolve("root", &cycle).unwrap_err().to_string().contains("cycle"));
    }
}

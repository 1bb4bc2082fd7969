//! The code's shape, held where a review found it slipping: no import circles between the
//! crate's modules, and no function longer than a screen.
//!
//! Modules are the files under `src/` (`a/b.rs` and `a/b/mod.rs` are `a::b`); a module imports
//! another when its code (not its comments or tests) names `crate::other::...`, `super::x`
//! or `use crate::{other, ...}`. A module naming its own parent or children does not count
//! (they are one unit, as `mod.rs` re-exports show).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The longest function allowed, in lines from its signature to its closing brace.
const MAX_FUNCTION_LINES: usize = 80;

/// Every module under `src/` with its source, comments and `#[cfg(test)]` parts removed.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix("src").unwrap().with_extension("");
                let mut name = rel.to_string_lossy().replace('/', "::");
                if let Some(parent) = name.strip_suffix("::mod") {
                    name = parent.to_string();
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let code: Vec<&str> = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect();
                let code = code.join("\n");
                let code = code.split("#[cfg(test)]").next().unwrap_or_default();
                out.insert(name, code.to_string());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(Path::new("src"), &mut out);
    out
}

/// The module a path like `figure::draw::paint_map` names: its longest prefix that is one,
/// seen through re-exports (`gpu::GpuRunner` is `gpu::runner`'s, as `gpu` re-exports it).
fn resolve<'a>(
    path: &str,
    names: &'a BTreeSet<String>,
    reexports: &'a BTreeMap<String, String>,
) -> Option<&'a String> {
    let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    (1..=parts.len()).rev().find_map(|i| {
        let prefix = parts[..i].join("::");
        reexports.get(&prefix).or_else(|| names.get(&prefix))
    })
}

/// `module::Item -> module it comes from` for every `pub use child::{Item, ...}` or
/// `pub use child::Item;` of a module re-exporting a child's items.
fn reexports(mods: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (m, code) in mods {
        for line in code.lines().map(str::trim).filter(|l| l.starts_with("pub use ")) {
            let body = line.trim_start_matches("pub use ").trim_end_matches(';');
            let body = body.trim_start_matches("self::");
            let (from, items) = match body.split_once("::{") {
                Some((from, items)) => (from, items.trim_end_matches('}').split(',').collect::<Vec<_>>()),
                None => match body.rsplit_once("::") {
                    Some((from, item)) => (from, vec![item]),
                    None => continue,
                },
            };
            let source = match from.strip_prefix("crate::") {
                Some(abs) => abs.to_string(),
                None => format!("{m}::{from}"),
            };
            if !mods.contains_key(&source) {
                continue;
            }
            for item in items {
                let item = item.trim().split(" as ").last().unwrap_or_default().trim();
                if !item.is_empty() && item != "self" {
                    out.insert(format!("{m}::{item}"), source.clone());
                }
            }
        }
    }
    out
}

/// Whether `c` continues a path (`a::b_c`).
fn path_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == ':'
}

/// The path starting at `text` (after `crate::` for crate paths), and every item of a group
/// right after it: `a::{b, c}` gives `a::b` and `a::c` (one level of braces:
/// `a::{b::{c, d}}` counts as `a::b`).
fn expand(text: &str) -> Vec<String> {
    let path: String = text.chars().take_while(|&c| path_char(c)).collect();
    let after = &text[path.len()..];
    if (path.is_empty() || path.ends_with("::")) && after.starts_with('{') {
        let end = after.find('}').unwrap_or(after.len());
        after[1..end]
            .split(',')
            .map(|item| {
                format!("{path}{}", item.trim().chars().take_while(|&c| path_char(c)).collect::<String>())
            })
            .collect()
    } else {
        vec![path]
    }
}

/// Every `crate::a::b` path, and every item of `crate::{a::b, c}` and `crate::a::{b, c}`, in
/// `code`, without the `crate::`.
fn crate_paths(code: &str) -> Vec<String> {
    code.match_indices("crate::").flat_map(|(i, _)| expand(&code[i + 7..])).collect()
}

/// Every `super::...` path in `code`, with `super::{a, b}` as `super::a` and `super::b`.
fn super_paths(code: &str) -> Vec<String> {
    code.match_indices("super::")
        // Only the first `super` of `super::super::x`.
        .filter(|&(i, _)| !(i >= 7 && &code[i - 7..i] == "super::"))
        .flat_map(|(i, _)| expand(&code[i..]))
        .collect()
}

/// Whether `a` is `b` or inside it (`figure::draw` is inside `figure`).
fn within(a: &str, b: &str) -> bool {
    a == b || a.starts_with(&format!("{b}::"))
}

/// The import graph: module -> modules it names (outside itself, its parents and children).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules();
    let names: BTreeSet<String> = mods.keys().cloned().collect();
    let reexports = reexports(&mods);
    let mut g = BTreeMap::new();
    for (m, code) in &mods {
        let mut to = BTreeSet::new();
        let mut add = |path: &str| {
            if let Some(r) = resolve(path, &names, &reexports)
                && !within(m, r)
                && !within(r, m)
            {
                to.insert(r.clone());
            }
        };
        for p in crate_paths(code) {
            add(&p);
        }
        // `super::x`, `super::{x, y}` and `super::super::x`, from `a::b` (a file `a/b.rs` or
        // `a/b/mod.rs`: either way its `super` is `a`).
        for p in super_paths(code) {
            let mut base: Vec<&str> = m.split("::").collect();
            let mut rest = p.as_str();
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
            let full =
                if base.is_empty() { rest.to_string() } else { format!("{}::{rest}", base.join("::")) };
            add(&full);
        }
        g.insert(m.clone(), to);
    }
    g
}

/// Strongly connected components of more than one module (Tarjan).
fn circles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on.insert(v);
        for w in s.g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let g = graph();
    assert!(g.len() > 40, "found {} modules", g.len());
    // The check itself finds a circle when there is one.
    let mut with_circle = g.clone();
    with_circle.get_mut("numeric").unwrap().insert("spec".into());
    assert!(!circles(&with_circle).is_empty(), "a planted circle was not found");
    let found = circles(&g);
    assert!(found.is_empty(), "import circles: {found:?}");
}

#[test]
fn no_function_is_longer_than_a_screen() {
    let mut long = Vec::new();
    for (module, code) in modules() {
        let lines: Vec<&str> = code.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let indent = line.len() - trimmed.len();
            let head = trimmed
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub(super) ")
                .trim_start_matches("pub ")
                .trim_start_matches("const ")
                .trim_start_matches("async ")
                .trim_start_matches("unsafe ")
                .trim_start_matches("extern \"C\" ");
            let is_fn = head.starts_with("fn ");
            if !is_fn || line.trim_end().ends_with(';') {
                continue;
            }
            let close = format!("{}}}", " ".repeat(indent));
            if let Some(end) = lines[i..].iter().position(|l| l.trim_end() == close)
                && end + 1 > MAX_FUNCTION_LINES
            {
                long.push(format!("{module}:{} ({} lines)", trimmed.split('(').next().unwrap(), end + 1));
            }
        }
    }
    assert!(long.is_empty(), "functions over {MAX_FUNCTION_LINES} lines: {long:?}");
}

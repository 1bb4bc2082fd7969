//! Seeded fuzzing of expression landscapes: random expressions (nested powers, long sums and
//! products, unary minus chains, deep function nesting, constants near the f32 limits,
//! divisions by constant zero) must each give, quickly and without a panic, either a clean
//! error or a compiled expression whose WGSL naga accepts, whose WGSL size is bounded, and
//! whose tree walk and lane walk agree bit for bit.
//!
//! The corpus is fixed by a seed: `DOWNHILL_FUZZ_CASES=20000 cargo test --test expr_fuzz`
//! runs a longer campaign (default 300 cases), `DOWNHILL_FUZZ_SEED=N` another corpus.

mod common;

use common::rng::Rng;
use std::time::{Duration, Instant};

use downhill::expr::{Compiled, Expr, MAX_LEN, MAX_NODES, MAX_TREE_DEPTH};
use downhill::shader;
use downhill::simd::{LANES, Lane};

/// Parameter names the expressions may use.
const PARAMS: [&str; 2] = ["a", "b"];

/// Longest a single parse-and-compile may take, however hostile the input (it takes
/// milliseconds; the margin is for a loaded CI machine).
const MAX_COMPILE: Duration = Duration::from_secs(2);

/// Most WGSL bytes per tree node: a `u^16` node is 15 `let` lines of under 40 bytes.
const WGSL_PER_NODE: usize = 640;

/// Stack of the CPU runner's worker threads (Rust's default): the tree walks must fit.
const WORKER_STACK: usize = 2 << 20;

/// Constants, ordinary and hostile.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "0.5",
    ".25",
    "1e-3",
    "7",
    "16",
    "3.4e38",
    "3.4028234e38",
    "1e38",
    "1e30",
    "1.2e-38",
    "1e-30",
    "pi",
    "e",
    "0.0",
    "1e39",
    "1e-40",
];

const FUNCS: &[&str] = &["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sinh", "cosh", "atan"];

/// Constant sub-expressions that are not finite f32 values, or nearly so.
const HOSTILE: &[&str] = &[
    "1/0",
    "(1-1)",
    "log(0)",
    "sqrt(-1)",
    "exp(89)",
    "exp(88)",
    "2^1000",
    "2^127",
    "2^128",
    "1e30*1e30",
    "3.4e38*2",
    "0/0",
    "pow(0, -1)",
    "1/(x-x)",
    "x/0",
    "min(1/0, x)",
    "1e-30*1e-30",
];

/// A random expression nested at most `depth` levels deep.
fn random_expr(r: &mut Rng, depth: usize) -> String {
    let leaf = |r: &mut Rng| -> String {
        match r.below(6) {
            0 | 1 => "x".into(),
            2 => "y".into(),
            3 => (*r.pick(&PARAMS)).into(),
            _ => (*r.pick(NUMBERS)).into(),
        }
    };
    if depth == 0 {
        return leaf(r);
    }
    match r.below(14) {
        0 | 1 => leaf(r),
        2 | 3 => {
            let ops = ["+", "-", "*", "/"];
            let n = 2 + r.below(4);
            let terms: Vec<String> = (0..n).map(|_| random_expr(r, depth - 1)).collect();
            let mut s = terms[0].clone();
            for t in &terms[1..] {
                s += &format!(" {} {t}", r.pick(&ops));
            }
            format!("({s})")
        }
        4 => format!("{}({})", r.pick(FUNCS), random_expr(r, depth - 1)),
        5 => {
            let f = r.pick(&["pow", "min", "max"]);
            format!("{f}({}, {})", random_expr(r, depth - 1), random_expr(r, depth - 1))
        }
        6 => {
            let n = r.pick(&["2", "3", "-1", "-2", "16", "-16", "0", "1", "17", "0.5", "1.5"]);
            format!("({})^{n}", random_expr(r, depth - 1))
        }
        7 => format!("-{}", random_expr(r, depth - 1)),
        8 => (*r.pick(HOSTILE)).into(),
        9 => format!("{} * {}", random_expr(r, depth - 1), r.pick(HOSTILE)),
        _ => format!("({} + {})", random_expr(r, depth - 1), random_expr(r, depth - 1)),
    }
}

/// One of the shapes that broke code generation, at a random size.
fn shape(r: &mut Rng) -> String {
    let v = *r.pick(&["x", "y", "a", "(x + y)", "sin(x)", "(x - 1)"]);
    match r.below(9) {
        0 => {
            // Nested constant powers.
            let mut s = v.to_string();
            for _ in 0..1 + r.below(10) {
                s = format!("({s})^{}", r.pick(&["16", "15", "-16", "2", "3"]));
            }
            s
        }
        1 => {
            // Long products: up to and past the length limit.
            let n = 2 + r.below(2100);
            vec![v; n].join(*r.pick(&["*", "/", "*"]))
        }
        2 => {
            // Long sums.
            let n = 2 + r.below(1000);
            vec![v; n].join(*r.pick(&["+", "-", " + "]))
        }
        3 => format!("{}{v}", "-".repeat(r.below(260))),
        4 => {
            // Deep function nesting.
            let n = 1 + r.below(70);
            let f = r.pick(FUNCS);
            format!("{}{v}{}", format!("{f}(").repeat(n), ")".repeat(n))
        }
        5 => format!("{v} + {}", r.pick(HOSTILE)),
        6 => format!("{v}*{}*{} + y^2", r.pick(NUMBERS), r.pick(NUMBERS)),
        7 => {
            let n = 1 + r.below(250);
            format!("{}{v}{}", "(".repeat(n), ")".repeat(n))
        }
        _ => {
            // Deep trees with small derivatives, up to and past the depth limit.
            let n = 1 + r.below(200);
            format!("{}{v}{}", "(0.5*x + 0.9*".repeat(n), ")".repeat(n))
        }
    }
}

/// Coordinates and parameters where the twins are compared: zeros of both signs, kinks, huge
/// and tiny values, then ordinary ones.
const SPECIAL: [f32; 12] = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -3.0, 100.0, 1e-20, 1e20, 3e38, -7.25];

/// The comparison points, one per lane, and the parameters `a`, `b` at each.
fn points() -> (Lane, Lane, [Lane; 4]) {
    let at = |i: usize, shift: usize, phase: f32| -> f32 {
        if i < SPECIAL.len() {
            SPECIAL[(i + shift) % SPECIAL.len()]
        } else {
            (i as f32 * 0.37 + phase).sin() * 4.0
        }
    };
    let x: Lane = std::array::from_fn(|i| at(i, 0, 0.0));
    let y: Lane = std::array::from_fn(|i| at(i, 5, 1.0));
    let a: Lane = std::array::from_fn(|i| at(i, 7, 2.0));
    let b: Lane = std::array::from_fn(|i| at(i, 3, 3.0));
    (x, y, [a, b, [0.0; LANES], [0.0; LANES]])
}

/// Whether two f32 values are the same bits (any NaN matches any NaN: both walks do the same
/// operations, but NaN payloads are not part of the contract).
fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// The tree walk and the lane walk of `e` agree at every lane.
fn twins_agree(text: &str, what: &str, e: &Expr) {
    let (x, y, c) = points();
    let lanes = e.eval_lanes(&x, &y, &c);
    for l in 0..LANES {
        let one = e.eval([x[l], y[l]], [c[0][l], c[1][l], c[2][l], c[3][l]]);
        assert!(
            same(one, lanes[l]),
            "`{text}` {what} at ({}, {}): eval {one:?}, eval_lanes {:?}",
            x[l],
            y[l],
            lanes[l]
        );
    }
}

/// Checks one expression; returns whether it compiled, how long that took and the WGSL's size.
fn check(text: &str, compose_kernel: bool) -> (bool, Duration, usize) {
    let params: Vec<String> = PARAMS.iter().map(|p| p.to_string()).collect();
    let t = Instant::now();
    let result = std::panic::catch_unwind(|| Compiled::new(text, &params));
    let took = t.elapsed();
    let shown: String = text.chars().take(120).collect();
    let Ok(result) = result else { panic!("`{shown}`... panicked") };
    assert!(took < MAX_COMPILE, "`{shown}`: parse and compile took {took:?}");
    let c = match result {
        Ok(c) => c,
        Err(e) => {
            let msg = e.to_string();
            if std::env::var_os("DOWNHILL_FUZZ_SHOW").is_some() {
                eprintln!("REFUSED {}", msg.lines().next().unwrap_or(""));
            }
            assert!(
                msg.starts_with("--landscape: ") && !msg.contains("panicked"),
                "`{shown}`: unclear error {msg}"
            );
            return (false, took, 0);
        }
    };
    let nodes = c.loss.size()
        + c.grad.iter().map(Expr::size).sum::<usize>()
        + c.hess.iter().map(Expr::size).sum::<usize>();
    assert!(nodes <= MAX_NODES);
    let depth = [&c.loss].into_iter().chain(&c.grad).chain(&c.hess).map(Expr::depth).max().unwrap();
    assert!(depth <= MAX_TREE_DEPTH, "`{shown}`: {depth} deep");
    let bound = 1024 + text.len() + WGSL_PER_NODE * nodes;
    assert!(c.wgsl.len() <= bound, "`{shown}`: {} bytes of WGSL for {nodes} nodes", c.wgsl.len());
    if let Err(e) = shader::validate(&c.wgsl) {
        panic!("`{shown}`: naga refuses the piece: {e}\n{}", c.wgsl);
    }
    if compose_kernel {
        let l = downhill::landscape::from_expr(&format!("{text}; a=0.5, b=2")).expect("compiled above");
        let opt = downhill::optimiser::find("adam", "-").unwrap();
        shader::validate(&shader::compose(l, opt).unwrap())
            .unwrap_or_else(|e| panic!("`{shown}`: kernel: {e}"));
    }
    // On a stack the size of a worker thread's, whatever RUST_MIN_STACK says.
    std::thread::scope(|s| {
        let walk = std::thread::Builder::new().stack_size(WORKER_STACK).spawn_scoped(s, || {
            twins_agree(text, "loss", &c.loss);
            for (k, g) in c.grad.iter().enumerate() {
                twins_agree(text, &format!("grad[{k}]"), g);
            }
            for (k, h) in c.hess.iter().enumerate() {
                twins_agree(text, &format!("hess[{k}]"), h);
            }
        });
        walk.unwrap().join().unwrap_or_else(|_| panic!("`{shown}`: the twins disagree"));
    });
    (true, took, c.wgsl.len())
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[test]
fn random_expressions_compile_to_valid_wgsl_or_are_refused_cleanly() {
    let cases = env("DOWNHILL_FUZZ_CASES", 300);
    let mut r = Rng(env("DOWNHILL_FUZZ_SEED", 0x5eed_cafe_f00d).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let (mut compiled, mut refused, mut too_long) = (0, 0, 0);
    let (mut slowest, mut largest) = (Duration::ZERO, 0);
    for i in 0..cases {
        let depth = 1 + r.below(6);
        let text = if i % 3 == 0 { shape(&mut r) } else { random_expr(&mut r, depth) };
        if text.chars().count() > MAX_LEN {
            too_long += 1;
        }
        let (ok, took, wgsl) = check(&text, i % 25 == 0);
        if ok {
            compiled += 1;
        } else {
            refused += 1;
        }
        slowest = slowest.max(took);
        largest = largest.max(wgsl);
    }
    eprintln!(
        "{cases} expressions: {compiled} compiled, {refused} refused ({too_long} over the length limit); \
         slowest compile {slowest:?}, largest WGSL {largest} bytes"
    );
    // The corpus must exercise both outcomes, or it tests nothing.
    assert!(compiled > cases / 4 && refused > cases / 20, "{compiled} compiled, {refused} refused");
}

//! Options for every optimiser, against independent truth: counter-based gradient noise that
//! is reproducible, the same on both backends, independent of tiling and standard normal;
//! learning-rate schedules against their closed-form products on a quadratic; clipping and
//! coupled L2 decay against hand-computed first steps.

mod common;

use common::axis;
use downhill::cpu;
use downhill::progress::Progress;
use downhill::spec::{OptionsText, Spec};

fn spec(
    landscape: &str,
    optimiser: &str,
    start: [f64; 2],
    res: u32,
    steps: u32,
    options: OptionsText,
) -> Spec {
    let x = axis("x0", start[0] - 1.0, start[0] + 1.0, false);
    let y = axis("y0", start[1] - 1.0, start[1] + 1.0, false);
    common::spec_with(landscape, optimiser, x, y, (res, res), steps, start, options)
}

fn noise(sigma: f64, seed: u32) -> OptionsText {
    OptionsText { sigma, seed, ..Default::default() }
}

/// On a flat landscape GD with lr = 1 just accumulates the negated noise: x_t = x_0 - sum z.
const FLAT: &str = "quadratic:kx=0,ky=0";

#[test]
fn noisy_runs_repeat_exactly_from_their_seed_and_both_backends_draw_the_same_numbers() {
    let s = spec(FLAT, "gd:lr=1", [0.0, 0.0], 1, 50, noise(1.0, 7));
    let a = cpu::trace(&s);
    assert_eq!(a, cpu::trace(&s), "cpu repeat");
    let other = cpu::trace(&spec(FLAT, "gd:lr=1", [0.0, 0.0], 1, 50, noise(1.0, 8)));
    assert_ne!(a, other, "another seed gives other numbers");
    assert!(a.iter().skip(1).all(|r| r[0] != 0.0), "noise moved every step");
    if let Some(mut gpu) = common::gpu() {
        let g = gpu.trace(&s).unwrap();
        assert_eq!(g, gpu.trace(&s).unwrap(), "gpu repeat");
        for (t, (c, g)) in a.iter().zip(&g).enumerate() {
            // The integer streams are identical; log/cos/sin differ by ulps, summed over t steps.
            assert!((c[0] - g[0]).abs() <= 1e-5 * (t as f32 + 1.0), "step {t}: cpu {c:?} gpu {g:?}");
            assert!((c[1] - g[1]).abs() <= 1e-5 * (t as f32 + 1.0), "step {t}: cpu {c:?} gpu {g:?}");
        }
    }
}

#[test]
fn noise_is_standard_normal_and_independent_of_tiling() {
    // 64x64 trajectories, one step each: (x1, y1) - (x0, y0) = -(z0, z1), 8192 draws.
    let s = spec(FLAT, "gd:lr=1", [0.0, 0.0], 64, 1, noise(1.0, 3));
    let centres_x = s.x.centres();
    let centres_y = s.y.centres();
    let out = cpu::run(&s, &Progress::hidden());
    let mut z = Vec::new();
    for r in 0..out.rows {
        for c in 0..out.cols {
            let i = out.index(r, c);
            z.push((centres_x[c as usize] - out.x[i]) as f64);
            z.push((centres_y[r as usize] - out.y[i]) as f64);
        }
    }
    let n = z.len() as f64;
    let mean = z.iter().sum::<f64>() / n;
    let var = z.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let lag = z.windows(2).map(|w| (w[0] - mean) * (w[1] - mean)).sum::<f64>() / (n - 1.0) / var;
    // Five standard errors: mean 5/sqrt(n) = 0.055, variance 5*sqrt(2/n) = 0.078.
    assert!(mean.abs() < 0.055, "mean {mean}");
    assert!((var - 1.0).abs() < 0.078, "variance {var}");
    assert!(lag.abs() < 0.055, "neighbouring draws correlate: {lag}");
    if let Some(mut gpu) = common::gpu() {
        let s = spec(FLAT, "gd:lr=1", [0.0, 0.0], 40, 300, noise(0.1, 11));
        let whole = gpu.run(&s, &Progress::hidden()).unwrap();
        gpu.set_tile_cap(256);
        assert_eq!(whole, gpu.run(&s, &Progress::hidden()).unwrap(), "tiles change the noise");
    }
}

#[test]
fn noise_continues_across_step_chunks() {
    use downhill::gpu::runner::{MAX_CHUNK_STEPS, Plan, TILE_TARGET_CELLS};
    let Some(mut gpu) = common::gpu() else { return };
    // One trajectory of MAX_CHUNK_STEPS + 16 steps runs in two dispatches. On a flat landscape
    // each step moves by minus that step's noise draw, so the increments after the chunk
    // boundary must be the CPU twin's draws for the same steps, and the first chunk must equal
    // a run that ends at the boundary (one chunk) bit for bit.
    let steps = MAX_CHUNK_STEPS + 16;
    let plan = Plan::new(1, steps, &gpu.context().limits, TILE_TARGET_CELLS);
    assert_eq!(plan.chunk_steps, MAX_CHUNK_STEPS, "{plan:?}");
    let s = spec(FLAT, "gd:lr=1", [0.0, 0.0], 1, steps, noise(1.0, 13));
    let chunked = gpu.trace(&s).unwrap();
    let cpu = cpu::trace(&s);
    assert_eq!(chunked.len(), steps as usize + 1);
    let one_chunk =
        gpu.trace(&spec(FLAT, "gd:lr=1", [0.0, 0.0], 1, MAX_CHUNK_STEPS, noise(1.0, 13))).unwrap();
    assert_eq!(chunked[..one_chunk.len()], one_chunk[..], "the first chunk differs from an unchunked run");
    for t in 0..steps as usize {
        for k in 0..2 {
            let (g, c) = (chunked[t + 1][k] - chunked[t][k], cpu[t + 1][k] - cpu[t][k]);
            // |x| grows like sqrt(t) (about 130 here): increments carry that rounding.
            assert!((g - c).abs() <= 1e-3, "step {t}: gpu moved {g}, cpu {c}");
        }
    }
}

/// Final x of GD on 0.5 x^2 from x0 = 1 with a schedule, on the CPU and the GPU.
fn scheduled(schedule: &str, lr: f64, steps: u32) -> Vec<f64> {
    let options = OptionsText { schedule: Some(schedule.into()), ..Default::default() };
    let s = spec("quadratic:kx=1,ky=0", &format!("gd:lr={lr}"), [1.0, 0.0], 1, steps, options);
    let mut xs = vec![*cpu::trace(&s).last().unwrap()];
    if let Some(mut gpu) = common::gpu() {
        xs.push(*gpu.trace(&s).unwrap().last().unwrap());
    }
    xs.iter().map(|r| r[0] as f64).collect()
}

#[test]
fn schedules_match_their_closed_form_products() {
    let steps = 20u32;
    let pi = std::f64::consts::PI;
    type Factor = Box<dyn Fn(f64) -> f64>;
    let cases: [(&str, Factor); 6] = [
        ("constant", Box::new(|_| 1.0)),
        ("step:gamma=0.5,step_size=5", Box::new(|t: f64| 0.5f64.powf((t / 5.0).floor()))),
        ("exp:gamma=0.9", Box::new(|t: f64| 0.9f64.powf(t))),
        ("inv:gamma=0.1", Box::new(|t: f64| 1.0 / (1.0 + 0.1 * t))),
        ("cosine", Box::new(move |t: f64| 0.5 * (1.0 + (pi * t / 20.0).cos()))),
        (
            "warmup_cosine:warmup=5",
            Box::new(
                move |t: f64| {
                    if t < 5.0 { (t + 1.0) / 5.0 } else { 0.5 * (1.0 + (pi * (t - 5.0) / 15.0).cos()) }
                },
            ),
        ),
    ];
    for (schedule, factor) in cases {
        let expect: f64 = (0..steps).map(|t| 1.0 - 0.3 * factor(t as f64)).product();
        for x in scheduled(schedule, 0.3, steps) {
            assert!(
                (x - expect).abs() <= 1e-5 * expect.abs().max(1e-3),
                "{schedule}: x_20 = {x}, closed form {expect}"
            );
        }
    }
}

fn first_step(landscape: &str, optimiser: &str, start: [f64; 2], options: OptionsText) -> Vec<[f32; 3]> {
    let s = spec(landscape, optimiser, start, 1, 1, options);
    let mut rows = vec![cpu::trace(&s)[1]];
    if let Some(mut gpu) = common::gpu() {
        rows.push(gpu.trace(&s).unwrap()[1]);
    }
    rows
}

#[test]
fn clipping_rescales_long_gradients_only() {
    // On 0.5 (x^2 + y^2) from (3, 4) the gradient is (3, 4), norm 5.
    let clip = |c: f64| OptionsText { clip: c, ..Default::default() };
    for r in first_step("quadratic", "gd:lr=0.1", [3.0, 4.0], clip(1.0)) {
        assert!((r[0] - 2.94).abs() < 1e-6 && (r[1] - 3.92).abs() < 1e-6, "clipped to norm 1: {r:?}");
    }
    for r in first_step("quadratic", "gd:lr=0.1", [3.0, 4.0], clip(10.0)) {
        assert!((r[0] - 2.7).abs() < 1e-6 && (r[1] - 3.6).abs() < 1e-6, "under the clip: {r:?}");
    }
}

#[test]
fn coupled_l2_adds_to_the_curvature() {
    // g + l2 x = (1 + 1) x: x1 = 1 - 0.1 * 2 = 0.8.
    for r in first_step("quadratic", "gd:lr=0.1", [1.0, 1.0], OptionsText { l2: 1.0, ..Default::default() }) {
        assert!((r[0] - 0.8).abs() < 1e-6 && (r[1] - 0.8).abs() < 1e-6, "{r:?}");
    }
}

#[test]
fn options_can_be_sweep_axes() {
    let s = common::spec_with(
        FLAT,
        "gd:lr=1",
        axis("sigma", 0.0, 2.0, false),
        axis("y0", -1.0, 1.0, false),
        (4, 2),
        10,
        [0.0, 0.0],
        OptionsText::default(),
    );
    assert!(s.features().noise, "a sigma axis compiles the noise in");
    let out = cpu::run(&s, &Progress::hidden());
    // x moves by about sigma * sqrt(10): more noise, further.
    let spread: Vec<f32> = (0..4).map(|c| out.x[out.index(0, c)].abs()).collect();
    assert!(spread[0] < 1.5 && spread[3] > 0.3, "{spread:?}");
}

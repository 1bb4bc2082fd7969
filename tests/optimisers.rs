//! Each optimiser's first steps against values worked out by hand from its published update
//! rule, on `0.5*(2x^2 + 4y^2)` from (1, -1), where the first gradient is (2, -4). Checked on
//! the CPU twin and, where an adapter exists, on the GPU.

mod common;

use common::{axis, spec};
use downhill::cpu;
use downhill::spec::OptionsText;

/// Iterates 1 and 2 of `optimiser` from (1, -1), on the CPU and (where present) the GPU.
fn first_steps(optimiser: &str) -> Vec<Vec<[f32; 3]>> {
    first_steps_with(optimiser, OptionsText::default())
}

/// [`first_steps`] with options.
fn first_steps_with(optimiser: &str, options: OptionsText) -> Vec<Vec<[f32; 3]>> {
    let s = common::spec_with(
        "quadratic:kx=2,ky=4",
        optimiser,
        axis("x0", 0.0, 2.0, false),
        axis("y0", -2.0, 0.0, false),
        (1, 1),
        2,
        [0.0, 0.0],
        options,
    );
    let mut runs = vec![cpu::trace(&s)];
    if let Some(mut gpu) = common::gpu() {
        runs.push(gpu.trace(&s).unwrap());
    }
    runs
}

fn assert_step(optimiser: &str, step: usize, expect: [f64; 2]) {
    for (who, rows) in ["cpu", "gpu"].iter().zip(first_steps(optimiser)) {
        let got = rows[step];
        for k in 0..2 {
            assert!(
                (got[k] as f64 - expect[k]).abs() < 2e-6,
                "{who} {optimiser} iterate {step}: {got:?}, by hand {expect:?}"
            );
        }
    }
}

#[test]
fn gd_first_step() {
    // x1 = x0 - 0.1 * (2, -4)
    assert_step("gd:lr=0.1", 1, [0.8, -0.6]);
}

#[test]
fn heavy_ball_first_two_steps() {
    // v1 = g0 = (2, -4); x1 = (0.8, -0.6); g1 = (1.6, -2.4);
    // v2 = 0.9 * (2, -4) + (1.6, -2.4) = (3.4, -6.0); x2 = x1 - 0.1 * v2 = (0.46, 0.0).
    assert_step("momentum:lr=0.1,beta=0.9", 1, [0.8, -0.6]);
    assert_step("momentum:lr=0.1,beta=0.9", 2, [0.46, 0.0]);
}

#[test]
fn nesterov_first_step() {
    // v1 = g0; x1 = x0 - 0.1 * (g0 + 0.9 * v1) = x0 - 0.19 * (2, -4) = (0.62, -0.24).
    assert_step("nesterov:lr=0.1,beta=0.9", 1, [0.62, -0.24]);
}

#[test]
fn rmsprop_first_step() {
    // s1 = 0.1 * g0^2 = (0.4, 1.6); x1 = x0 - 0.01 * g0 / sqrt(s1) = x0 -/+ 0.01 / sqrt(0.1).
    let d = 0.01 / 0.1f64.sqrt();
    assert_step("rmsprop:lr=0.01,rho=0.9", 1, [1.0 - d, -1.0 + d]);
}

#[test]
fn adam_first_step_with_and_without_bias_correction() {
    // Corrected: m^ = g0, v^ = g0^2, so the step is lr * sign(g0).
    assert_step("adam:lr=0.01", 1, [0.99, -0.99]);
    // Uncorrected: m = 0.1 g0, v = 0.001 g0^2, so the step is lr * 0.1 / sqrt(0.001) = 3.16 lr.
    let d = 0.01 * 0.1 / 0.001f64.sqrt();
    assert_step("adam:lr=0.01,bias_correction=0", 1, [1.0 - d, -1.0 + d]);
}

#[test]
fn adagrad_first_step() {
    // s1 = g0^2 = (4, 16); x1 = x0 - 0.1 * g0 / |g0| = (0.9, -0.9).
    assert_step("adagrad:lr=0.1", 1, [0.9, -0.9]);
}

#[test]
fn adamw_first_step_decays_the_weights_before_the_adam_step() {
    // x1 = x0 * (1 - 0.01 * 0.1) - 0.01 * sign(g0) = (0.999 - 0.01, -0.999 + 0.01).
    assert_step("adamw:lr=0.01,weight_decay=0.1", 1, [0.989, -0.989]);
}

#[test]
fn nadam_first_step() {
    // m1 = 0.1 g0, v1 = 0.001 g0^2; m^ = 0.9 * 0.1 g0 / (1 - 0.81) + 0.1 g0 / (1 - 0.9)
    // = (0.09 / 0.19 + 1) g0; v^ = g0^2; so the step is 0.01 * (1 + 9/19) * sign(g0).
    let d = 0.01 * (1.0 + 9.0 / 19.0);
    assert_step("nadam:lr=0.01", 1, [1.0 - d, -1.0 + d]);
}

#[test]
fn lion_first_two_steps_and_weight_decay() {
    // Step 1: sign(0.1 g0) = (1, -1): x1 = (0.99, -0.99); m1 = 0.01 g0 = (0.02, -0.04).
    // Step 2: g1 = (1.98, -3.96); sign(0.9 m1 + 0.1 g1) = (1, -1): x2 = (0.98, -0.98).
    assert_step("lion:lr=0.01,beta1=0.9,beta2=0.99", 1, [0.99, -0.99]);
    assert_step("lion:lr=0.01,beta1=0.9,beta2=0.99", 2, [0.98, -0.98]);
    // With weight_decay = 0.5: x1 = x0 - 0.01 * (sign + 0.5 x0) = (1 - 0.015, -1 + 0.015).
    assert_step("lion:lr=0.01,weight_decay=0.5", 1, [0.985, -0.985]);
}

#[test]
fn amsgrad_keeps_the_largest_second_moment() {
    // beta2 = 0.5, lr = 0.5: step 1 is Adam's, x1 = (0.5, -0.5). At step 2 the gradient has
    // halved, so v2 = 0.5 v1 + 0.5 g1^2 = 0.75 v1 < v1 and AMSGrad divides by sqrt(v1 / 0.75):
    // x2 = 0.5 - 0.5 * (0.28 / 0.19) / sqrt(2 / 0.75) = 0.048778 (Adam would reach -0.021026).
    assert_step("amsgrad:lr=0.5,beta2=0.5", 1, [0.5, -0.5]);
    assert_step("amsgrad:lr=0.5,beta2=0.5", 2, [0.048778, -0.048778]);
    assert_step("adam:lr=0.5,beta2=0.5", 2, [-0.021026, 0.021026]);
}

#[test]
fn newton_solves_a_quadratic_in_one_step_and_damping_shortens_it() {
    assert_step("newton", 1, [0.0, 0.0]);
    // (H + 2 I)^-1 g0 = (2/4, -4/6).
    assert_step("newton:damping=2", 1, [0.5, -1.0 / 3.0]);
}

/// Iterate 1 from `start` on `landscape`, on the CPU and (where present) the GPU.
fn one_step(landscape: &str, optimiser: &str, start: [f64; 2]) -> Vec<[f32; 3]> {
    let s = spec(
        landscape,
        optimiser,
        axis("x0", start[0] - 1.0, start[0] + 1.0, false),
        axis("y0", start[1] - 1.0, start[1] + 1.0, false),
        (1, 1),
        1,
        [0.0, 0.0],
    );
    let mut rows = vec![cpu::trace(&s)[1]];
    if let Some(mut gpu) = common::gpu() {
        rows.push(gpu.trace(&s).unwrap()[1]);
    }
    rows
}

#[test]
fn newton_heads_for_the_saddle_unless_saddle_free() {
    // On x^2 - y^2 from (1, 1): H = diag(2, -2) and g = (2, -2), so the Newton step lands on
    // the saddle at the origin; |H| = diag(2, 2) sends y the other way, to (0, 2).
    for r in one_step("saddle", "newton", [1.0, 1.0]) {
        assert!(r[0].abs() < 1e-6 && r[1].abs() < 1e-6, "{r:?}");
    }
    for r in one_step("saddle", "newton:saddle_free=1", [1.0, 1.0]) {
        assert!(r[0].abs() < 1e-6 && (r[1] - 2.0).abs() < 1e-6, "{r:?}");
    }
}

#[test]
fn newton_takes_a_gradient_step_where_the_hessian_is_singular() {
    // 0.5 * 2 x^2 with ky = 0: H = diag(2, 0) is singular, so x1 = x0 - 0.5 * g0 = (0, 1),
    // where a Newton step in x alone would give 0.5.
    for r in one_step("quadratic:kx=2,ky=0", "newton:lr=0.5", [1.0, 1.0]) {
        assert!(r[0].abs() < 1e-6 && (r[1] - 1.0).abs() < 1e-6, "{r:?}");
    }
}

/// Iterates 1 and 2 under a schedule that halves the learning rate every step.
fn halving(optimiser: &str) -> Vec<Vec<[f32; 3]>> {
    first_steps_with(
        optimiser,
        OptionsText { schedule: Some("step:gamma=0.5,step_size=1".into()), ..Default::default() },
    )
}

#[test]
fn both_momentum_conventions_agree_at_a_constant_rate_and_differ_under_a_schedule() {
    assert_step("momentum_sutskever:lr=0.1,beta=0.9", 1, [0.8, -0.6]);
    assert_step("momentum_sutskever:lr=0.1,beta=0.9", 2, [0.46, 0.0]);
    // lr 0.1 then 0.05, x from 1 with g = 2x.
    // v += g form: v1 = 2, x1 = 0.8; v2 = 0.9*2 + 1.6 = 3.4, x2 = 0.8 - 0.05*3.4 = 0.63.
    // lr-inside form: v1 = -0.2, x1 = 0.8; v2 = 0.9*(-0.2) - 0.05*1.6 = -0.26, x2 = 0.54.
    for (optimiser, x2) in [("momentum:lr=0.1,beta=0.9", 0.63), ("momentum_sutskever:lr=0.1,beta=0.9", 0.54)]
    {
        for rows in halving(optimiser) {
            assert!((rows[2][0] as f64 - x2).abs() < 1e-6, "{optimiser}: x2 = {}, by hand {x2}", rows[2][0]);
        }
    }
}

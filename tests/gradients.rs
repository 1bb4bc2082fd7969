//! Analytic gradients and Hessians of every landscape match central finite differences: the
//! f64 twins at deterministic pseudo-random points of each landscape's domain, and the GPU
//! kernel's f32 gradient (read off one GD step with lr = 1) on a grid over the domain; the
//! GPU Hessians are read off one Newton step and compared with the f64 twins.

mod common;

use downhill::landscape::LANDSCAPES;

/// Deterministic points spread over a domain (a simple LCG; no test randomness).
fn points(domain: [f64; 4], n: usize) -> Vec<[f64; 2]> {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| [domain[0] + next() * (domain[1] - domain[0]), domain[2] + next() * (domain[3] - domain[2])])
        .collect()
}

fn close(a: f64, b: f64, scale: f64) -> bool {
    (a - b).abs() <= 1e-6 * scale.max(1.0)
}

#[test]
fn gradients_and_hessians_match_central_differences() {
    let h = 1e-5;
    for l in LANDSCAPES {
        let mut c = [0.0; 4];
        for (i, p) in l.params.iter().enumerate() {
            c[i] = p.default as f64;
        }
        for p in points(l.domain, 50) {
            let f = |x: f64, y: f64| l.loss64([x, y], c);
            let g = l.grad64(p, c);
            let fd = [
                (f(p[0] + h, p[1]) - f(p[0] - h, p[1])) / (2.0 * h),
                (f(p[0], p[1] + h) - f(p[0], p[1] - h)) / (2.0 * h),
            ];
            let scale = g[0].abs().max(g[1].abs());
            assert!(
                close(g[0], fd[0], scale) && close(g[1], fd[1], scale),
                "{} grad at {p:?}: {g:?} vs {fd:?}",
                l.name
            );

            let gx = |x: f64, y: f64| l.grad64([x, y], c);
            let hs = l.hess64(p, c);
            let dxx = (gx(p[0] + h, p[1])[0] - gx(p[0] - h, p[1])[0]) / (2.0 * h);
            let dxy = (gx(p[0], p[1] + h)[0] - gx(p[0], p[1] - h)[0]) / (2.0 * h);
            let dyx = (gx(p[0] + h, p[1])[1] - gx(p[0] - h, p[1])[1]) / (2.0 * h);
            let dyy = (gx(p[0], p[1] + h)[1] - gx(p[0], p[1] - h)[1]) / (2.0 * h);
            let scale = hs.iter().fold(0f64, |m, v| m.max(v.abs()));
            assert!(close(hs[0], dxx, scale), "{} d2f/dx2 at {p:?}: {} vs {dxx}", l.name, hs[0]);
            assert!(
                close(hs[1], dxy, scale) && close(hs[1], dyx, scale),
                "{} d2f/dxdy at {p:?}: {} vs {dxy}, {dyx}",
                l.name,
                hs[1]
            );
            assert!(close(hs[2], dyy, scale), "{} d2f/dy2 at {p:?}: {} vs {dyy}", l.name, hs[2]);
        }
    }
}

/// Published minima of the classic test functions: landscape (with parameter overrides, by
/// slot), then `(x, y, loss)` of every minimum listed, global ones first.
type KnownMinima = (&'static str, &'static [(usize, f64)], &'static [(f64, f64, f64)]);

const KNOWN_MINIMA: &[KnownMinima] = &[
    ("quadratic", &[], &[(0.0, 0.0, 0.0)]),
    ("rosenbrock", &[], &[(1.0, 1.0, 0.0)]),
    // (a, a^2) for another a: the minimum moves with the parameter.
    ("rosenbrock", &[(0, 0.5)], &[(0.5, 0.25, 0.0)]),
    (
        "himmelblau",
        &[],
        &[
            (3.0, 2.0, 0.0),
            (-2.805_118_086_952_745, 3.131_312_518_250_573, 0.0),
            (-3.779_310_253_377_747, -3.283_185_991_286_17, 0.0),
            (3.584_428_340_330_492, -1.848_126_526_964_404, 0.0),
        ],
    ),
    ("booth", &[], &[(1.0, 3.0, 0.0)]),
    ("matyas", &[], &[(0.0, 0.0, 0.0)]),
    ("beale", &[], &[(3.0, 0.5, 0.0)]),
    ("goldstein_price", &[], &[(0.0, -1.0, 3.0)]),
    ("three_hump_camel", &[], &[(0.0, 0.0, 0.0)]),
    (
        "six_hump_camel",
        &[],
        &[(0.089_842_0, -0.712_656_4, -1.031_628_453_5), (-0.089_842_0, 0.712_656_4, -1.031_628_453_5)],
    ),
    ("rastrigin", &[], &[(0.0, 0.0, 0.0)]),
    ("ackley", &[], &[(0.0, 0.0, 0.0)]),
    ("styblinski_tang", &[], &[(-2.903_534_027_771_178, -2.903_534_027_771_178, -78.332_331_4)]),
    ("levi", &[], &[(1.0, 1.0, 0.0)]),
    ("mccormick", &[], &[(-0.547_197_55, -1.547_197_55, -1.913_222_954_98)]),
];

/// The minimum search finds every published minimum of the classic functions, at the published
/// place and loss, and ranks the global ones first. The published points are also checked
/// against the loss alone (central differences): they are stationary and curve upwards there.
#[test]
fn minima_are_found_where_the_literature_puts_them() {
    for &(name, overrides, known) in KNOWN_MINIMA {
        let l = LANDSCAPES.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("no landscape {name}"));
        let mut c = l.defaults();
        for &(slot, v) in overrides {
            c[slot] = v;
        }
        let found = l.minima(c);
        let global = known[0].2;
        for (i, &(x, y, loss)) in known.iter().enumerate() {
            assert!(
                (l.loss64([x, y], c) - loss).abs() <= 1e-6 * (1.0 + loss.abs()),
                "{name}: loss at ({x}, {y}) is {}, published {loss}",
                l.loss64([x, y], c)
            );
            let m = found.iter().find(|m| (m.at[0] - x).hypot(m.at[1] - y) <= 1e-5).unwrap_or_else(|| {
                panic!("{name}{overrides:?}: ({x}, {y}) not among the minima found: {found:?}")
            });
            assert!((m.loss - loss).abs() <= 1e-6 * (1.0 + loss.abs()), "{name}: {m:?} vs {loss}");
            if loss == global {
                assert!(
                    found.iter().position(|f| std::ptr::eq(f, m)).unwrap()
                        < known.iter().filter(|k| k.2 == global).count(),
                    "{name}: global minimum ({x}, {y}) is not ranked first: {found:?}"
                );
            }
            if name == "ackley" {
                continue; // a kink: no derivatives at the minimum
            }
            // Stationary and convex by central differences of the loss alone (published
            // coordinates carry about 8 digits, so the gradient is only near zero).
            let f = |dx: f64, dy: f64| l.loss64([x + dx, y + dy], c);
            let h = 1e-4;
            let g = [(f(h, 0.0) - f(-h, 0.0)) / (2.0 * h), (f(0.0, h) - f(0.0, -h)) / (2.0 * h)];
            let hxx = (f(h, 0.0) - 2.0 * f(0.0, 0.0) + f(-h, 0.0)) / (h * h);
            let hyy = (f(0.0, h) - 2.0 * f(0.0, 0.0) + f(0.0, -h)) / (h * h);
            let hxy = (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4.0 * h * h);
            let scale = hxx.abs().max(hyy.abs()).max(1.0);
            assert!(g[0].hypot(g[1]) <= 1e-4 * scale, "{name} #{i}: loss slopes by {g:?} at ({x}, {y})");
            assert!(hxx > 0.0 && hxx * hyy - hxy * hxy > 0.0, "{name} #{i}: Hessian [{hxx}, {hxy}, {hyy}]");
        }
    }
}

#[test]
fn ackley_origin_kink_has_zero_gradient_and_trajectories_there_stay() {
    let l = downhill::landscape::LANDSCAPES.iter().find(|l| l.name == "ackley").unwrap();
    assert_eq!(l.grad([0.0, 0.0], [0.0; 4]), [0.0, 0.0]);
    assert_eq!(l.grad64([0.0, 0.0], [0.0; 4]), [0.0, 0.0]);
    assert!(l.hess([0.0, 0.0], [0.0; 4]).iter().all(|h| h.is_finite()));
    // Just off the kink the radial term takes over and points back to the origin.
    let g = l.grad64([1e-8, 0.0], [0.0; 4]);
    assert!(g[0] > 1.0 && g[1] == 0.0, "{g:?}");
    let minima = l.minima(l.defaults());
    assert_eq!(minima[0].at, [0.0, 0.0], "the kink is the global minimum");
}

#[test]
fn gpu_gradients_match_central_differences() {
    let Some(mut gpu) = common::gpu() else { return };
    use downhill::progress::Progress;
    for l in LANDSCAPES {
        let d = l.domain;
        // One GD step with lr = 1 from every cell centre: x1 = x0 - g(x0).
        let s = common::spec(
            l.name,
            "gd:lr=1",
            common::axis("x0", d[0], d[1], false),
            common::axis("y0", d[2], d[3], false),
            (16, 16),
            1,
            [0.0, 0.0],
        );
        let out = gpu.run(&s, &Progress::hidden()).unwrap();
        let (xs, ys) = (s.x.centres(), s.y.centres());
        let c = l.defaults();
        let h = 1e-6;
        for r in 0..16u32 {
            for col in 0..16u32 {
                let i = out.index(r, col);
                let p = [xs[col as usize] as f64, ys[r as usize] as f64];
                let f = |x: f64, y: f64| l.loss64([x, y], c);
                let fd = [
                    (f(p[0] + h, p[1]) - f(p[0] - h, p[1])) / (2.0 * h),
                    (f(p[0], p[1] + h) - f(p[0], p[1] - h)) / (2.0 * h),
                ];
                let g = [p[0] - out.x[i] as f64, p[1] - out.y[i] as f64];
                for k in 0..2 {
                    // f32 arithmetic in the kernel, and x0 - (x0 - g) rounds at the scale of |x0|.
                    let tol = 1e-4 * (1.0 + p[k].abs() + fd[k].abs());
                    assert!(
                        (g[k] - fd[k]).abs() <= tol,
                        "{} at {p:?}: gpu gradient {g:?}, differences {fd:?}",
                        l.name
                    );
                }
            }
        }
    }
}

#[test]
fn gpu_hessians_match_the_f64_twins_through_one_newton_step() {
    let Some(mut gpu) = common::gpu() else { return };
    use downhill::progress::Progress;
    for l in LANDSCAPES {
        let d = l.domain;
        // One plain Newton step with lr = 1: x1 = x0 - H^-1 g, so H^-1 g = x0 - x1 on the GPU.
        let s = common::spec(
            l.name,
            "newton",
            common::axis("x0", d[0], d[1], false),
            common::axis("y0", d[2], d[3], false),
            (9, 9),
            1,
            [0.0, 0.0],
        );
        let out = gpu.run(&s, &Progress::hidden()).unwrap();
        let (xs, ys) = (s.x.centres(), s.y.centres());
        let c = l.defaults();
        let mut checked = 0;
        for r in 0..9u32 {
            for col in 0..9u32 {
                let i = out.index(r, col);
                let p = [xs[col as usize] as f64, ys[r as usize] as f64];
                let (g, h) = (l.grad64(p, c), l.hess64(p, c));
                let det = h[0] * h[2] - h[1] * h[1];
                let scale = h.iter().fold(0f64, |m, v| m.max(v.abs()));
                if det.abs() <= 1e-2 * scale * scale || out.diverged(i) {
                    continue; // near-singular: the step magnifies every rounding error
                }
                let step = [(h[2] * g[0] - h[1] * g[1]) / det, (h[0] * g[1] - h[1] * g[0]) / det];
                let gpu_step = [p[0] - out.x[i] as f64, p[1] - out.y[i] as f64];
                for k in 0..2 {
                    let tol = 1e-3 * (1.0 + p[k].abs() + step[k].abs());
                    assert!(
                        (gpu_step[k] - step[k]).abs() <= tol,
                        "{} at {p:?}: gpu step {gpu_step:?}, f64 {step:?}",
                        l.name
                    );
                }
                checked += 1;
            }
        }
        assert!(checked >= 20, "{}: only {checked} well-conditioned points", l.name);
    }
}

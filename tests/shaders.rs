//! Every (landscape, optimiser) kernel composes and passes naga validation, without a GPU.

use downhill::landscape::LANDSCAPES;
use downhill::optimiser::OPTIMISERS;
use downhill::shader;

#[test]
fn every_landscape_optimiser_pair_composes_and_validates() {
    for l in LANDSCAPES {
        for o in OPTIMISERS {
            let source = shader::compose(l, o).unwrap_or_else(|e| panic!("{}+{}: {e}", l.name, o.name));
            let module = shader::validate(&source).unwrap_or_else(|e| panic!("{}+{}: {e}", l.name, o.name));
            let names: Vec<&str> = module.overrides.iter().filter_map(|(_, o)| o.name.as_deref()).collect();
            for expected in ["WG", "SLOT_X", "SLOT_Y", "TRACE"] {
                assert!(names.contains(&expected), "{}+{} lacks override {expected}", l.name, o.name);
            }
            assert!(!source.contains("#import"), "unresolved import in {}+{}", l.name, o.name);
        }
    }
}

#[test]
fn every_shader_file_is_registered() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    let mut on_disk = Vec::new();
    for sub in ["", "common", "landscapes", "optimisers", "nn"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().is_some_and(|e| e == "wgsl") {
                let rel = p.strip_prefix(&dir).unwrap().with_extension("");
                on_disk.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    on_disk.sort();
    let mut registered: Vec<String> = shader::SOURCES.iter().map(|(p, _)| p.to_string()).collect();
    registered.sort();
    assert_eq!(on_disk, registered);
    for l in LANDSCAPES {
        assert!(registered.contains(&format!("landscapes/{}", l.piece)));
    }
    for o in OPTIMISERS {
        assert!(registered.contains(&format!("optimisers/{}", o.name)));
    }
}

#[test]
fn the_trainability_kernels_compose_and_validate() {
    for file in ["nn/train", "nn/train_workgroup"] {
        let source = shader::resolve(file, &shader::source).unwrap();
        shader::validate(&source).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    // The unit layout's kernel is compiled per shape: the default network's.
    let shape = downhill::nn::Shape { d: 16, width: 16, n: 272 };
    let sizes = downhill::nn::unit::UnitSizes::new(shape, downhill::nn::Activation::Tanh, 1 << 16).unwrap();
    shader::validate(&sizes.source().unwrap()).unwrap_or_else(|e| panic!("nn/train_unit: {e}"));
}

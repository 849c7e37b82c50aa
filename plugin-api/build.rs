//! Build script required by Cargo for the `links` key, which guards against two
//! major versions of the plugin API in one build. It has nothing to compile.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
}

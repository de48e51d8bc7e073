fn main() {
    // The sample county is embedded with include_dir!, which cannot tell cargo about its files.
    println!("cargo:rerun-if-changed=data/sample");
    println!("cargo:rerun-if-changed=ui");
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        // Element ids are kept for the headless UI tests (i-slint-backend-testing lookups).
        .with_debug_info(true);
    slint_build::compile_with_config("ui/app.slint", config).expect("Slint UI failed to compile");
}

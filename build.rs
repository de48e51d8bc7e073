fn main() {
    // The sample county is embedded with include_dir!, which cannot tell cargo about its files.
    println!("cargo:rerun-if-changed=data/sample");
    println!("cargo:rerun-if-changed=ui");
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent".into())
        // Element ids for the headless UI tests (i-slint-backend-testing lookups); release
        // binaries for kiosks leave them out.
        .with_debug_info(std::env::var("PROFILE").as_deref() != Ok("release"));
    slint_build::compile_with_config("ui/app.slint", config).expect("Slint UI failed to compile");
}

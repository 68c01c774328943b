// tauri.conf.json sits at the repo root (the build script's working
// directory), while capabilities live beside the Rust sources.
fn main() {
    #[cfg(feature = "app")]
    {
        println!("cargo:rerun-if-changed=src-tauri/capabilities");
        let attributes = tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/**/*");
        if let Err(e) = tauri_build::try_build(attributes) {
            panic!("tauri build step failed: {e:#}");
        }
    }
}

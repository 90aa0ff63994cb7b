//! Compiles `proto/leadscore/v1/*.proto` with a vendored `protoc`, so a
//! fresh machine needs nothing but cargo. Also writes the file descriptor
//! set that server reflection serves.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    // SAFETY: build scripts are single-threaded; nothing else reads the
    // environment concurrently.
    unsafe { std::env::set_var("PROTOC", protoc) };
    let include = protoc_bin_vendored::include_path()?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);

    let mut protos: Vec<PathBuf> = std::fs::read_dir("proto/leadscore/v1")?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    protos.retain(|p| p.extension().is_some_and(|e| e == "proto"));
    protos.sort();

    tonic_prost_build::configure()
        .file_descriptor_set_path(out.join("leadscore_v1_descriptor.bin"))
        .codec_path("crate::grpc::codec::ValidatingCodec")
        .compile_protos(&protos, &[PathBuf::from("proto"), include])?;
    println!("cargo:rerun-if-changed=proto");
    Ok(())
}

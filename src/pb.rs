//! Generated protobuf and gRPC types of `leadscore.v1`.

#![allow(missing_docs, clippy::all, clippy::pedantic)]

/// Package `leadscore.v1`.
pub mod v1 {
    tonic::include_proto!("leadscore.v1");
}

/// Encoded file descriptor set served by reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    tonic::include_file_descriptor_set!("leadscore_v1_descriptor");

//! Generated protobuf and gRPC types of `leadscore.v1`.

#![allow(missing_docs, clippy::all, clippy::pedantic)]

use std::sync::OnceLock;

/// Package `leadscore.v1`.
pub mod v1 {
    tonic::include_proto!("leadscore.v1");
}

/// Encoded file descriptor set served by reflection (with its imports:
/// the well-known types and `google.api.http`).
pub const FILE_DESCRIPTOR_SET: &[u8] =
    tonic::include_file_descriptor_set!("leadscore_v1_descriptor");

/// [`FILE_DESCRIPTOR_SET`], decoded once: the proto3 JSON of the CLI and
/// the HTTP edge both read messages through it.
pub fn descriptor_pool() -> &'static prost_reflect::DescriptorPool {
    static POOL: OnceLock<prost_reflect::DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        prost_reflect::DescriptorPool::decode(FILE_DESCRIPTOR_SET)
            .expect("the embedded descriptor set is valid")
    })
}

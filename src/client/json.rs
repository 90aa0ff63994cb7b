//! proto3 JSON for any `leadscore.v1` message, through the service's own
//! descriptor set (so the CLI's JSON is exactly what any other proto3 JSON
//! client reads and writes).

use prost::Message;
use prost_reflect::{DynamicMessage, SerializeOptions};

use super::ClientError;

fn descriptor(full_name: &str) -> prost_reflect::MessageDescriptor {
    crate::pb::descriptor_pool()
        .get_message_by_name(full_name)
        .expect("message names used by the CLI exist")
}

/// Parses proto3 JSON as message `full_name` (e.g. `leadscore.v1.Lead`).
pub fn parse<M: Message + Default>(full_name: &str, json: &str) -> Result<M, ClientError> {
    let mut de = serde_json::Deserializer::from_str(json);
    let dynamic = DynamicMessage::deserialize(descriptor(full_name), &mut de)
        .and_then(|m| de.end().map(|()| m))
        .map_err(|e| ClientError::Input(format!("not a valid {full_name} in proto3 JSON: {e}")))?;
    M::decode(dynamic.encode_to_vec().as_slice()).map_err(|e| ClientError::Input(e.to_string()))
}

/// `msg` written by `out` (enum names, defaults skipped).
fn write<M: Message, F: serde_json::ser::Formatter>(
    full_name: &str,
    msg: &M,
    mut out: serde_json::Serializer<Vec<u8>, F>,
) -> String {
    let dynamic = DynamicMessage::decode(descriptor(full_name), msg.encode_to_vec().as_slice())
        .expect("a message re-decodes with its own descriptor");
    dynamic
        .serialize_with_options(&mut out, &SerializeOptions::new())
        .expect("serializing to memory cannot fail");
    String::from_utf8(out.into_inner()).expect("serde_json writes UTF-8")
}

/// Prints `msg` as pretty proto3 JSON.
pub fn render<M: Message>(full_name: &str, msg: &M) -> String {
    write(full_name, msg, serde_json::Serializer::pretty(Vec::new()))
}

/// `msg` as proto3 JSON on one line (JSON Lines, for a stream).
pub fn line<M: Message>(full_name: &str, msg: &M) -> String {
    let mut line = write(full_name, msg, serde_json::Serializer::new(Vec::new()));
    line.push('\n');
    line
}

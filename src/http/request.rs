//! An HTTP request as the RPC's protobuf request message, per the
//! `google.api.http` rules: path variables, then the body (`*` or one
//! field), then query parameters for every field neither binds.
//!
//! Every part is read with the proto3 JSON mapping (prost-reflect), one
//! part at a time so an error names the part: `query parameter pageSize:
//! …`, `path variable lead_id: …`, `request body: … at line 1 column 9`.
//! A query parameter that is no field, names a field the path or body
//! binds, or repeats a singular field is refused, never dropped.

use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, ReflectMessage};
use serde_json::{Map, Value as Json};

use super::routes::{BodyRule, Route};

/// A request part the message cannot take; the text names the part.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadRequest(pub String);

/// The parts of an HTTP request the message is built from.
#[derive(Debug, Default)]
pub struct Parts<'a> {
    /// Path variables: (field path, decoded value).
    pub path: Vec<(String, String)>,
    /// The raw query string, if any.
    pub query: Option<&'a str>,
    /// The request body (empty: none).
    pub body: &'a [u8],
    /// Extra (field path, value) pairs set after the rest, such as the
    /// SSE `Last-Event-ID`; the label names them in errors.
    pub overrides: Vec<(&'static str, String, String)>,
}

/// The request message of `route` from `parts`.
pub fn build(route: &Route, parts: &Parts<'_>) -> Result<DynamicMessage, BadRequest> {
    let desc = route.method.input();
    let mut message = match &route.body {
        BodyRule::None if parts.body.iter().any(|b| !b.is_ascii_whitespace()) => {
            return Err(BadRequest(format!(
                "{} {} takes no request body; send its fields as query parameters",
                route.verb, route.template.text
            )));
        }
        BodyRule::None => DynamicMessage::new(desc.clone()),
        BodyRule::Whole => from_json_bytes(&desc, parts.body, "request body")?,
        BodyRule::Field(field) => {
            let Kind::Message(inner) = field.kind() else {
                return Err(BadRequest(format!(
                    "body field {} is not a message",
                    field.name()
                )));
            };
            let value = from_json_bytes(&inner, parts.body, "request body")?;
            let mut m = DynamicMessage::new(desc.clone());
            m.set_field(field, prost_reflect::Value::Message(value));
            m
        }
    };
    for (field, value) in &parts.path {
        let part = leaf(&desc, field, value, "path variable")?;
        refuse_conflict(&message, &part, field)?;
        merge(&mut message, &part);
    }
    if let Some(query) = parts.query.filter(|q| !q.is_empty()) {
        for (name, values) in query_params(query)? {
            let part = query_part(route, &desc, &name, &values)?;
            merge(&mut message, &part);
        }
    }
    for (label, field, value) in &parts.overrides {
        message.clear_field_by_name(field);
        merge(&mut message, &leaf(&desc, field, value, label)?);
    }
    Ok(message)
}

/// Proto merge: `part`'s set fields over `message`'s.
fn merge(message: &mut DynamicMessage, part: &DynamicMessage) {
    use prost::Message;
    // Both are of one descriptor, so the encoding always decodes.
    if let Err(e) = message.merge(part.encode_to_vec().as_slice()) {
        tracing::error!(error = %e, "merging a request part failed");
    }
}

/// A message from JSON text (an empty body is the empty message).
fn from_json_bytes(
    desc: &MessageDescriptor,
    bytes: &[u8],
    what: &str,
) -> Result<DynamicMessage, BadRequest> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(DynamicMessage::new(desc.clone()));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let message = DynamicMessage::deserialize(desc.clone(), &mut de)
        .and_then(|m| de.end().map(|()| m))
        .map_err(|e| BadRequest(format!("{what}: {e}")))?;
    Ok(message)
}

/// A message with one leaf field (dotted proto or JSON names) set from text.
fn leaf(
    desc: &MessageDescriptor,
    path: &str,
    text: &str,
    what: &str,
) -> Result<DynamicMessage, BadRequest> {
    let fields = resolve(desc, path)
        .ok_or_else(|| BadRequest(format!("{what} {path}: {} has no such field", desc.name())))?;
    let last = fields.last().expect("resolve returns at least one field");
    leaf_json(
        desc,
        &fields,
        scalar_json(last, text),
        &format!("{what} {path}"),
    )
}

/// A message with the field at `fields` set to `value`.
fn leaf_json(
    desc: &MessageDescriptor,
    fields: &[FieldDescriptor],
    value: Json,
    what: &str,
) -> Result<DynamicMessage, BadRequest> {
    let mut json = value;
    for field in fields.iter().rev() {
        let mut object = Map::new();
        object.insert(field.json_name().to_owned(), json);
        json = Json::Object(object);
    }
    DynamicMessage::deserialize(desc.clone(), json).map_err(|e| BadRequest(format!("{what}: {e}")))
}

/// The fields along a dotted path; each part is a proto or JSON name.
fn resolve(desc: &MessageDescriptor, path: &str) -> Option<Vec<FieldDescriptor>> {
    let mut current = desc.clone();
    let mut out: Vec<FieldDescriptor> = Vec::new();
    for name in path.split('.') {
        if let Some(prev) = out.last() {
            match prev.kind() {
                Kind::Message(m) if !prev.is_list() && !prev.is_map() => current = m,
                _ => return None,
            }
        }
        let field = current
            .get_field_by_name(name)
            .or_else(|| current.get_field_by_json_name(name))?;
        out.push(field);
    }
    (!out.is_empty()).then_some(out)
}

/// Query text as JSON for `field`: the proto3 JSON parser accepts numbers
/// (64-bit ones too) and Timestamps as strings, but not booleans or enum
/// numbers, so those are turned into their JSON types here.
fn scalar_json(field: &FieldDescriptor, text: &str) -> Json {
    match field.kind() {
        Kind::Bool => match text {
            "true" => Json::Bool(true),
            "false" => Json::Bool(false),
            _ => Json::String(text.to_owned()),
        },
        Kind::Enum(_) => text
            .parse::<i32>()
            .map_or_else(|_| Json::String(text.to_owned()), Json::from),
        _ => Json::String(text.to_owned()),
    }
}

/// A field the path binds must not be set by the body to something else
/// (the same value is fine: clients often send the whole resource).
fn refuse_conflict(
    message: &DynamicMessage,
    part: &DynamicMessage,
    field: &str,
) -> Result<(), BadRequest> {
    let set_in_body =
        resolve(&message.descriptor(), field).is_some_and(|fields| has_path(message, &fields));
    if !set_in_body {
        return Ok(());
    }
    let mut merged = message.clone();
    merge(&mut merged, part);
    if merged != *message {
        return Err(BadRequest(format!(
            "{field}: the path and the request body give different values; send it in the path only"
        )));
    }
    Ok(())
}

/// Whether the leaf at `fields` is set.
fn has_path(message: &DynamicMessage, fields: &[FieldDescriptor]) -> bool {
    let mut current = message.clone();
    for (i, field) in fields.iter().enumerate() {
        if !current.has_field(field) {
            return false;
        }
        if i + 1 < fields.len() {
            match current.get_field(field).into_owned() {
                prost_reflect::Value::Message(m) => current = m,
                _ => return false,
            }
        }
    }
    true
}

/// The message part of one query parameter (all its values).
fn query_part(
    route: &Route,
    desc: &MessageDescriptor,
    name: &str,
    values: &[String],
) -> Result<DynamicMessage, BadRequest> {
    let what = format!("query parameter {name}");
    let fields = resolve(desc, name)
        .ok_or_else(|| BadRequest(format!("{what}: {} has no such field", desc.name())))?;
    let proto_path: Vec<&str> = fields.iter().map(|f| f.name()).collect();
    let proto_path = proto_path.join(".");
    let bound_by_body = match &route.body {
        BodyRule::Whole => true,
        BodyRule::Field(f) => fields[0] == *f,
        BodyRule::None => false,
    };
    if bound_by_body || route.path_fields().any(|p| p == proto_path) {
        return Err(BadRequest(format!(
            "{what}: {proto_path} is taken from the {} of {} {}",
            if bound_by_body {
                "request body"
            } else {
                "path"
            },
            route.verb,
            route.template.text
        )));
    }
    let last = fields.last().expect("resolve returns at least one field");
    if last.is_map() || (last.is_list() && matches!(last.kind(), Kind::Message(_))) {
        return Err(BadRequest(format!(
            "{what}: {proto_path} cannot be set from a query"
        )));
    }
    let value = if last.is_list() {
        Json::Array(values.iter().map(|v| scalar_json(last, v)).collect())
    } else if let [one] = values {
        scalar_json(last, one)
    } else {
        return Err(BadRequest(format!(
            "{what}: given {} times, {proto_path} takes one value",
            values.len()
        )));
    };
    leaf_json(desc, &fields, value, &what)
}

/// `a=1&b=2&a=3` as (name, values) in first-seen order, percent-decoded
/// (`+` is a space, as HTML forms send it).
fn query_params(query: &str) -> Result<Vec<(String, Vec<String>)>, BadRequest> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s)
            .decode_utf8()
            .map(|c| c.into_owned())
            .map_err(|_| BadRequest(format!("query {s:?} is not UTF-8 once percent-decoded")))
    };
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, value) = (decode(name)?, decode(value)?);
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => out.push((name, vec![value])),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_are_decoded_and_grouped() {
        let q =
            query_params("stages=STAGE_SQL&pageSize=5&stages=STAGE_MQL&owner=Ann+Lee%21").unwrap();
        assert_eq!(
            q,
            vec![
                (
                    "stages".to_owned(),
                    vec!["STAGE_SQL".to_owned(), "STAGE_MQL".to_owned()]
                ),
                ("pageSize".to_owned(), vec!["5".to_owned()]),
                ("owner".to_owned(), vec!["Ann Lee!".to_owned()]),
            ]
        );
        assert!(query_params("a=%FF").is_err());
    }

    #[test]
    fn json_doubles_are_read_exactly() {
        let desc = crate::pb::descriptor_pool()
            .get_message_by_name("leadscore.v1.ListPrioritizedLeadsRequest")
            .unwrap();
        // serde_json's default parser reads this one ulp low.
        let m = from_json_bytes(&desc, br#"{"minScore": 0.20449843669549586}"#, "body").unwrap();
        let value = m.get_field_by_name("min_score").unwrap().as_f64().unwrap();
        assert_eq!(value.to_bits(), 0.20449843669549586f64.to_bits());
    }
}

//! The OpenAPI 3 document of the HTTP routes, generated from the same
//! descriptors and `google.api.http` rules the edge serves, with the
//! proto comments as descriptions and each operation's scope from
//! [`crate::security::scopes::requirement`]. Schemas follow the proto3
//! JSON mapping: lowerCamelCase names, enums as their names, 64-bit
//! integers as strings, Timestamps as RFC 3339 strings.
//!
//! `leadscore openapi` prints it; `docs/openapi.json` is that output,
//! checked in (a test keeps them equal), and `/openapi.json` serves it.

use std::collections::{BTreeMap, BTreeSet};

use prost_reflect::{
    DescriptorPool, EnumDescriptor, FieldDescriptor, FileDescriptor, Kind, MessageDescriptor,
};
use serde_json::{Map, Value as Json, json};

use super::routes::{BodyRule, Route, RouteTable};
use super::sse;
use crate::security::scopes::{Requirement, requirement};
use crate::spelling::Spelled;

/// The document, pretty-printed, ending in a newline.
pub fn document(pool: &DescriptorPool, routes: &RouteTable) -> String {
    let mut schemas = Schemas::default();
    let mut paths: BTreeMap<String, Map<String, Json>> = BTreeMap::new();
    for route in routes.routes() {
        let op = operation(route, &mut schemas);
        paths
            .entry(route.template.text.clone())
            .or_default()
            .insert(route.verb.as_str().to_ascii_lowercase(), op);
    }
    let mut components = schemas.finish(pool);
    components.insert("Status".into(), status_schema());
    let doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "leadscore",
            "version": "v1",
            "description": "HTTP/JSON transcoding of the leadscore.v1 gRPC services \
                (google.api.http rules of proto/leadscore/v1). Bodies and answers are \
                the proto3 JSON mapping of the request and response messages.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// Messages and enums the operations refer to, collected as they are met.
#[derive(Default)]
struct Schemas {
    messages: BTreeSet<String>,
    enums: BTreeSet<String>,
}

impl Schemas {
    fn message_ref(&mut self, m: &MessageDescriptor) -> Json {
        self.messages.insert(m.full_name().to_owned());
        json!({"$ref": format!("#/components/schemas/{}", m.full_name())})
    }

    /// Every referenced message and enum, following fields transitively.
    fn finish(mut self, pool: &DescriptorPool) -> Map<String, Json> {
        let mut out = Map::new();
        let mut done = BTreeSet::new();
        while let Some(name) = self.messages.iter().find(|n| !done.contains(*n)).cloned() {
            done.insert(name.clone());
            if let Some(m) = pool.get_message_by_name(&name) {
                let schema = self.message_schema(&m);
                out.insert(name, schema);
            }
        }
        for name in &self.enums {
            if let Some(e) = pool.get_enum_by_name(name) {
                out.insert(name.clone(), enum_schema(&e));
            }
        }
        out
    }

    fn message_schema(&mut self, m: &MessageDescriptor) -> Json {
        let mut properties = Map::new();
        for field in m.fields() {
            let mut schema = self.field_schema(&field);
            let mut text = comment(&m.parent_file(), field.path()).unwrap_or_default();
            if let Some(oneof) = field.containing_oneof().filter(|o| !o.is_synthetic()) {
                let members: Vec<String> =
                    oneof.fields().map(|f| f.json_name().to_owned()).collect();
                text = format!(
                    "{text}\n\nOne of: {} (at most one is set).",
                    members.join(", ")
                )
                .trim()
                .to_owned();
            }
            describe(&mut schema, &text);
            properties.insert(field.json_name().to_owned(), schema);
        }
        let mut schema = json!({"type": "object", "properties": properties});
        describe(
            &mut schema,
            &comment(&m.parent_file(), m.path()).unwrap_or_default(),
        );
        schema
    }

    fn field_schema(&mut self, field: &FieldDescriptor) -> Json {
        if field.is_map() {
            let Kind::Message(entry) = field.kind() else {
                return json!({"type": "object"});
            };
            let value = entry.map_entry_value_field();
            return json!({"type": "object", "additionalProperties": self.kind_schema(&value.kind())});
        }
        let one = self.kind_schema(&field.kind());
        if field.is_list() {
            json!({"type": "array", "items": one})
        } else {
            one
        }
    }

    fn kind_schema(&mut self, kind: &Kind) -> Json {
        match kind {
            Kind::Double => json!({"type": "number", "format": "double"}),
            Kind::Float => json!({"type": "number", "format": "float"}),
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
                json!({"type": "integer", "format": "int32"})
            }
            Kind::Uint32 | Kind::Fixed32 => {
                json!({"type": "integer", "format": "int64", "minimum": 0, "maximum": u32::MAX})
            }
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
                json!({"type": "string", "format": "int64"})
            }
            Kind::Uint64 | Kind::Fixed64 => json!({"type": "string", "format": "uint64"}),
            Kind::Bool => json!({"type": "boolean"}),
            Kind::String => json!({"type": "string"}),
            Kind::Bytes => json!({"type": "string", "format": "byte"}),
            Kind::Enum(e) => {
                self.enums.insert(e.full_name().to_owned());
                json!({"$ref": format!("#/components/schemas/{}", e.full_name())})
            }
            Kind::Message(m) => match m.full_name() {
                "google.protobuf.Timestamp" => json!({"type": "string", "format": "date-time"}),
                "google.protobuf.Duration" => {
                    json!({"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?s$"})
                }
                "google.protobuf.FieldMask" => json!({
                    "type": "string",
                    "description": "Comma-separated field paths, lowerCamelCase (profile.jobTitle,bant)."
                }),
                _ => self.message_ref(m),
            },
        }
    }
}

fn enum_schema(e: &EnumDescriptor) -> Json {
    let names: Vec<String> = e.values().map(|v| v.name().to_owned()).collect();
    let mut schema = json!({"type": "string", "enum": names});
    describe(
        &mut schema,
        &comment(&e.parent_file(), e.path()).unwrap_or_default(),
    );
    schema
}

/// The google.rpc.Status JSON of every error answer.
fn status_schema() -> Json {
    json!({
        "type": "object",
        "description": "An error: the gRPC status code (number), its message, and details (always empty).",
        "properties": {
            "code": {"type": "integer", "format": "int32"},
            "message": {"type": "string"},
            "details": {"type": "array", "items": {"type": "object"}},
        },
    })
}

fn operation(route: &Route, schemas: &mut Schemas) -> Json {
    let method = &route.method;
    let mut description = comment(&method.parent_file(), method.path()).unwrap_or_default();
    description.push_str(&format!("\n\n{}", access(route)));
    let mut op = json!({
        "operationId": format!("{}_{}", method.parent_service().name(), method.name()),
        "tags": [method.parent_service().name()],
        "description": description.trim(),
        "parameters": parameters(route, schemas),
        "responses": responses(route, schemas),
    });
    if requirement(&route.grpc_path()) != Requirement::Open {
        op["security"] = json!([{"bearer": []}]);
    }
    match &route.body {
        BodyRule::None => {}
        BodyRule::Whole => op["requestBody"] = request_body(schemas.message_ref(&method.input())),
        BodyRule::Field(f) => op["requestBody"] = request_body(schemas.field_schema(f)),
    }
    op
}

/// Who may call it, in words.
fn access(route: &Route) -> String {
    let rpc = format!("gRPC: {}.", route.grpc_path());
    match requirement(&route.grpc_path()) {
        Requirement::Open => format!("{rpc} No token needed."),
        Requirement::Authenticated => {
            format!("{rpc} Any valid bearer token (when tokens are configured).")
        }
        Requirement::Scope(s) => {
            format!("{rpc} Scope `{}` (when tokens are configured).", s.as_str())
        }
    }
}

fn request_body(schema: Json) -> Json {
    json!({"required": true, "content": {"application/json": {"schema": schema}}})
}

fn responses(route: &Route, schemas: &mut Schemas) -> Json {
    let output = schemas.message_ref(&route.method.output());
    let ok = if route.method.is_server_streaming() {
        let ids = match sse::resume_of(route.method.full_name()) {
            Some(r) => format!(
                " Each event's id is its {}; reconnect with Last-Event-ID to resume right after it.",
                r.id_field
            ),
            None => String::new(),
        };
        json!({
            "description": format!("Server-Sent Events: one event per message, data its JSON.{ids} A failure after the stream started is one `event: error` with the Status JSON."),
            "content": {"text/event-stream": {"schema": output}},
        })
    } else {
        json!({"description": "OK", "content": {"application/json": {"schema": output}}})
    };
    json!({
        "200": ok,
        "default": {
            "description": "Error: the HTTP status grpc-gateway gives the gRPC code.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}},
        },
    })
}

/// Path variables, query parameters (every leaf field not bound by the
/// path or body) and, for resumable streams, `Last-Event-ID`.
fn parameters(route: &Route, schemas: &mut Schemas) -> Json {
    let input = route.method.input();
    let bound: Vec<&str> = route.path_fields().collect();
    let mut params = Vec::new();
    for field in &bound {
        if let Some(f) = super::routes::field_at(&input, field) {
            params.push(json!({
                "name": field, "in": "path", "required": true,
                "schema": schemas.field_schema(&f),
            }));
        }
    }
    if matches!(route.body, BodyRule::None) {
        let mut leaves = Vec::new();
        query_leaves(&input, "", &mut Vec::new(), &mut leaves);
        for (name, field) in leaves
            .into_iter()
            .filter(|(n, _)| !bound.contains(&n.as_str()))
        {
            let mut p =
                json!({"name": name, "in": "query", "schema": schemas.field_schema(&field)});
            if field.is_list() {
                p["explode"] = json!(true);
            }
            describe(
                &mut p,
                &comment(&field.parent_file(), field.path()).unwrap_or_default(),
            );
            params.push(p);
        }
    }
    if let Some(r) = sse::resume_of(route.method.full_name()) {
        params.push(json!({
            "name": "Last-Event-ID", "in": "header",
            "description": format!("The id of the last event seen; sets {} (wins over the query).", r.after_field),
            "schema": {"type": "string"},
        }));
    }
    Json::Array(params)
}

/// The fields a query may set, by dotted JSON name, through singular
/// messages (each message type once per path, so recursion ends).
fn query_leaves(
    m: &MessageDescriptor,
    prefix: &str,
    seen: &mut Vec<String>,
    out: &mut Vec<(String, FieldDescriptor)>,
) {
    seen.push(m.full_name().to_owned());
    for field in m.fields() {
        let name = format!("{prefix}{}", field.json_name());
        match field.kind() {
            _ if field.is_map() => {}
            Kind::Message(_) if field.is_list() => {}
            Kind::Message(inner) if !inner.full_name().starts_with("google.protobuf.") => {
                if !seen.contains(&inner.full_name().to_owned()) {
                    query_leaves(&inner, &format!("{name}."), seen, out);
                }
            }
            _ => out.push((name, field)),
        }
    }
    seen.pop();
}

/// Sets a non-empty `description`; a `$ref` is wrapped in `allOf`, since
/// OpenAPI 3.0 ignores the siblings of a `$ref`.
fn describe(schema: &mut Json, text: &str) {
    if text.is_empty() {
        return;
    }
    if schema.get("$ref").is_some() {
        *schema = json!({"allOf": [schema.take()]});
    }
    schema["description"] = Json::String(text.to_owned());
}

/// The leading comment of the element at `path` in `file`, joined into
/// paragraphs.
fn comment(file: &FileDescriptor, path: &[i32]) -> Option<String> {
    let info = file.file_descriptor_proto().source_code_info.as_ref()?;
    let location = info.location.iter().find(|l| l.path == path)?;
    let text = location.leading_comments.as_deref()?;
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    Some(lines.join("\n").trim().to_owned()).filter(|t| !t.is_empty())
}

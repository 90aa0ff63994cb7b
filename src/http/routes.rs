//! The HTTP routes of every RPC, read from the `google.api.http` rules in
//! the embedded descriptor set, and the matching of a request to one.
//!
//! Supported templates: literal segments and single-segment variables
//! (`{lead_id}`, `{a.b}`), with an optional trailing `:verb`, as in
//! `/v1/leads/{lead_id}:assign`. A rule using `*`, `**`, `{var=…}`, a
//! custom verb or `response_body` is refused at start naming the method,
//! never served half-understood.

use http::Method;
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MethodDescriptor, Value,
};

/// Full name of the `google.api.http` extension of `MethodOptions`.
const HTTP_RULE: &str = "google.api.http";

/// A rule the transcoder cannot serve.
#[derive(Debug, thiserror::Error)]
#[error("HTTP rule of {method}: {reason}")]
pub struct RouteError {
    /// Full method name.
    pub method: String,
    /// What is wrong.
    pub reason: String,
}

/// Where the request body goes.
#[derive(Debug, Clone)]
pub enum BodyRule {
    /// No body: fields not in the path come from the query.
    None,
    /// `body: "*"`: every field not in the path.
    Whole,
    /// `body: "field"`: that top-level field; the rest from the query.
    Field(FieldDescriptor),
}

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// Matched byte for byte.
    Literal(String),
    /// A field path (`lead_id`, `a.b`), one segment, percent-decoded.
    Variable(String),
}

/// A parsed path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    segments: Vec<Segment>,
    /// The custom verb after the last `:`, if any.
    verb: Option<String>,
    /// The template as written (OpenAPI paths, errors).
    pub text: String,
}

/// One HTTP binding of one RPC.
#[derive(Debug, Clone)]
pub struct Route {
    /// HTTP method.
    pub verb: Method,
    /// Path template.
    pub template: Template,
    /// The RPC it calls.
    pub method: MethodDescriptor,
    /// Where the body goes.
    pub body: BodyRule,
}

impl Route {
    /// The gRPC path of the RPC, `/package.Service/Method`.
    pub fn grpc_path(&self) -> String {
        grpc_path(&self.method)
    }

    /// The field paths bound by the template, in order.
    pub fn path_fields(&self) -> impl Iterator<Item = &str> {
        self.template.segments.iter().filter_map(|s| match s {
            Segment::Variable(field) => Some(field.as_str()),
            Segment::Literal(_) => None,
        })
    }
}

/// The gRPC path of `method`.
pub fn grpc_path(method: &MethodDescriptor) -> String {
    format!("/{}/{}", method.parent_service().full_name(), method.name())
}

/// What a request matched.
#[derive(Debug)]
pub enum Found<'a> {
    /// A route, with the (field path, decoded value) of each variable.
    Route(&'a Route, Vec<(String, String)>),
    /// The path is served, but not with this HTTP method.
    WrongVerb(Vec<Method>),
    /// No route has this path.
    NotFound,
}

/// Every route of the descriptor pool.
#[derive(Debug, Clone)]
pub struct RouteTable {
    routes: Vec<Route>,
}

impl RouteTable {
    /// The routes of every annotated method of every service in `pool`.
    pub fn from_pool(pool: &DescriptorPool) -> Result<RouteTable, RouteError> {
        let Some(extension) = pool.get_extension_by_name(HTTP_RULE) else {
            return Ok(RouteTable { routes: Vec::new() });
        };
        let mut routes = Vec::new();
        for service in pool.services() {
            for method in service.methods() {
                let options = method.options();
                if !options.has_extension(&extension) {
                    continue;
                }
                let Value::Message(rule) = options.get_extension(&extension).into_owned() else {
                    continue;
                };
                for binding in bindings(rule) {
                    routes.push(route(&method, &binding)?);
                }
            }
        }
        Ok(RouteTable { routes })
    }

    /// Every route, in descriptor order.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The route `verb path` matches (`path` still percent-encoded).
    pub fn find(&self, verb: &Method, path: &str) -> Found<'_> {
        let mut allowed = Vec::new();
        for route in &self.routes {
            if let Some(vars) = route.template.matches(path) {
                if route.verb == *verb {
                    return Found::Route(route, vars);
                }
                allowed.push(route.verb.clone());
            }
        }
        if allowed.is_empty() {
            Found::NotFound
        } else {
            Found::WrongVerb(allowed)
        }
    }
}

/// A rule and its `additional_bindings`.
fn bindings(rule: DynamicMessage) -> Vec<DynamicMessage> {
    let mut all = vec![rule.clone()];
    if let Some(Value::List(more)) = rule
        .get_field_by_name("additional_bindings")
        .map(|v| v.into_owned())
    {
        all.extend(more.into_iter().filter_map(|v| match v {
            Value::Message(m) => Some(m),
            _ => None,
        }));
    }
    all
}

/// A text field of an `HttpRule`.
fn text_of(rule: &DynamicMessage, name: &str) -> String {
    rule.get_field_by_name(name)
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn route(method: &MethodDescriptor, rule: &DynamicMessage) -> Result<Route, RouteError> {
    let refuse = |reason: String| RouteError {
        method: method.full_name().to_owned(),
        reason,
    };
    let verbs = [
        ("get", Method::GET),
        ("put", Method::PUT),
        ("post", Method::POST),
        ("delete", Method::DELETE),
        ("patch", Method::PATCH),
    ];
    let (verb, path) = verbs
        .into_iter()
        .find(|(name, _)| rule.has_field_by_name(name))
        .map(|(name, verb)| (verb, text_of(rule, name)))
        .ok_or_else(|| {
            refuse("only get, put, post, delete and patch patterns are served".into())
        })?;
    if !text_of(rule, "response_body").is_empty() {
        return Err(refuse("response_body is not supported".into()));
    }
    let template = Template::parse(&path).map_err(refuse)?;
    let input = method.input();
    for field in template.segments.iter().filter_map(|s| match s {
        Segment::Variable(f) => Some(f),
        Segment::Literal(_) => None,
    }) {
        let leaf =
            field_at(&input, field).ok_or_else(|| refuse(format!("{path}: no field {field}")))?;
        if leaf.is_list() || leaf.is_map() || matches!(leaf.kind(), Kind::Message(_)) {
            return Err(refuse(format!(
                "{path}: {field} must be a singular scalar field"
            )));
        }
    }
    let body = match text_of(rule, "body").as_str() {
        "" => BodyRule::None,
        "*" => BodyRule::Whole,
        name => BodyRule::Field(
            input
                .get_field_by_name(name)
                .ok_or_else(|| refuse(format!("body names no field {name}")))?,
        ),
    };
    Ok(Route {
        verb,
        template,
        method: method.clone(),
        body,
    })
}

/// The field at a dotted path of proto names, through singular messages.
pub fn field_at(message: &prost_reflect::MessageDescriptor, path: &str) -> Option<FieldDescriptor> {
    let mut current = message.clone();
    let mut parts = path.split('.').peekable();
    while let Some(name) = parts.next() {
        let field = current.get_field_by_name(name)?;
        if parts.peek().is_none() {
            return Some(field);
        }
        match field.kind() {
            Kind::Message(m) if !field.is_list() && !field.is_map() => current = m,
            _ => return None,
        }
    }
    None
}

impl Template {
    /// Parses `/seg/{var}/seg:verb`; `Err` says what is not supported.
    fn parse(text: &str) -> Result<Template, String> {
        let rest = text
            .strip_prefix('/')
            .ok_or_else(|| format!("{text}: a template starts with /"))?;
        // The verb follows the last ':' outside braces.
        let (body, verb) = match rest.rfind(':') {
            Some(i) if !rest[i..].contains('}') => (&rest[..i], Some(rest[i + 1..].to_owned())),
            _ => (rest, None),
        };
        if body.contains('=') {
            return Err(format!(
                "{text}: variable templates ({{var=…}}) are not supported"
            ));
        }
        let mut segments = Vec::new();
        for seg in body.split('/') {
            segments.push(
                match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    Some(var) => Segment::Variable(var.to_owned()),
                    None if seg.is_empty() || seg.contains(['*', '{', '}']) => {
                        return Err(format!("{text}: segment {seg:?} is not supported"));
                    }
                    None => Segment::Literal(seg.to_owned()),
                },
            );
        }
        Ok(Template {
            segments,
            verb,
            text: text.to_owned(),
        })
    }

    /// The variables of `path` when it matches, values percent-decoded.
    fn matches(&self, path: &str) -> Option<Vec<(String, String)>> {
        let rest = path.strip_prefix('/')?;
        let rest = match &self.verb {
            Some(verb) => rest.strip_suffix(verb.as_str())?.strip_suffix(':')?,
            None => rest,
        };
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.len() != self.segments.len() {
            return None;
        }
        let mut vars = Vec::new();
        for (segment, part) in self.segments.iter().zip(parts) {
            match segment {
                Segment::Literal(lit) if lit == part => {}
                Segment::Literal(_) => return None,
                Segment::Variable(field) => {
                    let value = percent_encoding::percent_decode_str(part)
                        .decode_utf8()
                        .ok()?;
                    if value.is_empty() {
                        return None;
                    }
                    vars.push((field.clone(), value.into_owned()));
                }
            }
        }
        Some(vars)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_literals_variables_and_verbs() {
        let t = Template::parse("/v1/leads/{lead_id}:assign").unwrap();
        assert_eq!(
            t.matches("/v1/leads/a%2Fb:c:assign"),
            Some(vec![("lead_id".into(), "a/b:c".into())])
        );
        assert_eq!(t.matches("/v1/leads/x"), None);
        assert_eq!(t.matches("/v1/leads/:assign"), None, "an empty variable");
        let get = Template::parse("/v1/leads/{lead_id}").unwrap();
        assert_eq!(
            get.matches("/v1/leads/x:assign"),
            Some(vec![("lead_id".into(), "x:assign".into())]),
            "without a verb in the template, a colon belongs to the id"
        );
        let score = Template::parse("/v1/leads:score").unwrap();
        assert_eq!(score.matches("/v1/leads:score"), Some(vec![]));
        assert_eq!(score.matches("/v1/leads"), None);
    }

    #[test]
    fn unsupported_templates_are_refused_naming_the_part() {
        for (bad, says) in [
            ("/v1/{name=leads/*}", "variable templates"),
            ("/v1/*", "segment \"*\""),
            ("/v1//x", "segment \"\""),
            ("v1/x", "starts with /"),
        ] {
            let err = Template::parse(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}

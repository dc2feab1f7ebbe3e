//! The single route table (docs/reference/interfaces.md, "HTTP routes"): method and path
//! pattern → route id and the function that serves it. The Lambda adapters and a local server
//! all match through it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The three Lambda functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunctionKind {
    Query,
    Mutate,
    Recover,
}

impl FunctionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Query => "query",
            Self::Mutate => "mutate",
            Self::Recover => "recover",
        }
    }
}

impl fmt::Display for FunctionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// HTTP methods the routes use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
    Options,
}

impl Method {
    /// Parses a method name (case-insensitive).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.to_ascii_uppercase().as_str() {
            "GET" => Self::Get,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            "HEAD" => Self::Head,
            "OPTIONS" => Self::Options,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Head => "HEAD",
            Self::Options => "OPTIONS",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a request asks for, independent of how it arrived (HTTP or direct invoke).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteId {
    Healthz,
    OpenApi,
    CreateGraph,
    Query,
    Mutate,
    Load,
    Export,
    Snapshot,
    Schema,
    ListBranches,
    CreateBranch,
    DeleteBranch,
    ListCommits,
    GetCommit,
    Recover,
}

impl RouteId {
    /// The direct-invoke `op` naming this route.
    pub fn op(self) -> &'static str {
        match self {
            Self::Healthz => "healthz",
            Self::OpenApi => "openapi",
            Self::CreateGraph => "init",
            Self::Query => "query",
            Self::Mutate => "mutate",
            Self::Load => "load",
            Self::Export => "export",
            Self::Snapshot => "snapshot",
            Self::Schema => "schema",
            Self::ListBranches => "list_branches",
            Self::CreateBranch => "create_branch",
            Self::DeleteBranch => "delete_branch",
            Self::ListCommits => "list_commits",
            Self::GetCommit => "get_commit",
            Self::Recover => "recover",
        }
    }

    /// The route a direct-invoke `op` names (with a few aliases).
    pub fn from_op(op: &str) -> Option<Self> {
        Some(match op {
            "healthz" => Self::Healthz,
            "openapi" => Self::OpenApi,
            "init" | "create_graph" => Self::CreateGraph,
            "query" => Self::Query,
            "mutate" => Self::Mutate,
            "load" => Self::Load,
            "export" => Self::Export,
            "snapshot" => Self::Snapshot,
            "schema" | "schema_show" => Self::Schema,
            "list_branches" | "branches" => Self::ListBranches,
            "create_branch" => Self::CreateBranch,
            "delete_branch" => Self::DeleteBranch,
            "list_commits" | "commits" => Self::ListCommits,
            "get_commit" | "commit" => Self::GetCommit,
            "recover" => Self::Recover,
            _ => return None,
        })
    }

    /// Which function serves the route (`None`: every function).
    pub fn served_by(self) -> Option<FunctionKind> {
        match self {
            Self::Healthz | Self::OpenApi => None,
            Self::Query
            | Self::Snapshot
            | Self::Schema
            | Self::ListBranches
            | Self::ListCommits
            | Self::GetCommit => Some(FunctionKind::Query),
            Self::CreateGraph
            | Self::Mutate
            | Self::Load
            // A large export is written to the store, which the query function may not do.
            | Self::Export
            | Self::CreateBranch
            | Self::DeleteBranch => Some(FunctionKind::Mutate),
            Self::Recover => Some(FunctionKind::Recover),
        }
    }

    /// Whether `function` serves this route.
    pub fn is_served_by(self, function: FunctionKind) -> bool {
        self.served_by().is_none_or(|f| f == function)
    }
}

/// One row of the route table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    /// Segments separated by `/`; `{name}` captures one segment.
    pub pattern: &'static str,
    pub id: RouteId,
}

const fn route(method: Method, pattern: &'static str, id: RouteId) -> Route {
    Route {
        method,
        pattern,
        id,
    }
}

/// Every HTTP route. Direct invoke names the same route ids by `op`.
pub const ROUTES: &[Route] = &[
    route(Method::Get, "/healthz", RouteId::Healthz),
    route(Method::Get, "/openapi.json", RouteId::OpenApi),
    route(Method::Post, "/graphs", RouteId::CreateGraph),
    route(Method::Post, "/graphs/{graph}/query", RouteId::Query),
    route(Method::Post, "/graphs/{graph}/mutate", RouteId::Mutate),
    route(Method::Post, "/graphs/{graph}/load", RouteId::Load),
    route(Method::Post, "/graphs/{graph}/export", RouteId::Export),
    route(Method::Get, "/graphs/{graph}/snapshot", RouteId::Snapshot),
    route(Method::Get, "/graphs/{graph}/schema", RouteId::Schema),
    route(
        Method::Get,
        "/graphs/{graph}/branches",
        RouteId::ListBranches,
    ),
    route(
        Method::Post,
        "/graphs/{graph}/branches",
        RouteId::CreateBranch,
    ),
    route(
        Method::Delete,
        "/graphs/{graph}/branches/{branch}",
        RouteId::DeleteBranch,
    ),
    route(Method::Get, "/graphs/{graph}/commits", RouteId::ListCommits),
    route(
        Method::Get,
        "/graphs/{graph}/commits/{commit}",
        RouteId::GetCommit,
    ),
];

/// Where the Terraform module keeps the API Gateway route map, relative to the workspace root.
pub const API_GATEWAY_ROUTES_FILE: &str = "infra/terraform/modules/omnigraph/api_routes.json";

/// The API Gateway (HTTP API) route map the Terraform module deploys, generated from
/// [`ROUTES`] so the two cannot disagree: every route as `"METHOD /pattern"` → the function
/// that serves it (a route every function serves goes to `query`), plus `$default` → `query`,
/// so a path no route names is answered by the service's own `not_found`.
pub fn api_gateway_routes() -> BTreeMap<String, FunctionKind> {
    let mut map: BTreeMap<String, FunctionKind> = ROUTES
        .iter()
        .map(|r| {
            let function = r.id.served_by().unwrap_or(FunctionKind::Query);
            (format!("{} {}", r.method, r.pattern), function)
        })
        .collect();
    map.insert("$default".to_string(), FunctionKind::Query);
    map
}

/// [`api_gateway_routes`] as the JSON document committed at [`API_GATEWAY_ROUTES_FILE`]
/// (pretty, one route per line, trailing newline).
pub fn api_gateway_routes_json() -> String {
    let map: BTreeMap<String, &str> = api_gateway_routes()
        .into_iter()
        .map(|(k, f)| (k, f.as_str()))
        .collect();
    let mut text = serde_json::to_string_pretty(&map).unwrap_or_default();
    text.push('\n');
    text
}

/// Values captured from the path (`{graph}`, `{branch}`, `{commit}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathParams(pub Vec<(&'static str, String)>);

impl PathParams {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why no route matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteMiss {
    /// No pattern matches the path.
    NoSuchPath,
    /// The path exists, but not with this method; the methods it has.
    MethodNotAllowed(Vec<Method>),
}

fn match_pattern(pattern: &'static str, path: &str) -> Option<PathParams> {
    let mut want = pattern.split('/').filter(|s| !s.is_empty());
    let mut have = path.split('/').filter(|s| !s.is_empty());
    let mut params = Vec::new();
    loop {
        match (want.next(), have.next()) {
            (None, None) => return Some(PathParams(params)),
            (Some(w), Some(h)) => {
                if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    params.push((name, percent_decode(h)));
                } else if w != h {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// Finds the route for `method` and `path` (trailing slashes ignored).
pub fn match_route(method: Method, path: &str) -> Result<(RouteId, PathParams), RouteMiss> {
    let mut methods = Vec::new();
    for r in ROUTES {
        if let Some(params) = match_pattern(r.pattern, path) {
            if r.method == method {
                return Ok((r.id, params));
            }
            methods.push(r.method);
        }
    }
    if methods.is_empty() {
        Err(RouteMiss::NoSuchPath)
    } else {
        Err(RouteMiss::MethodNotAllowed(methods))
    }
}

/// Decodes `%XX` escapes (and, with `plus_as_space`, `+`) of a URL component; invalid escapes
/// stay as they are.
pub fn percent_decode_with(text: &str, plus_as_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' if plus_as_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes a path segment.
pub fn percent_decode(text: &str) -> String {
    percent_decode_with(text, false)
}

/// Parses a raw query string (`a=1&b=x%20y`) into pairs, later keys winning.
pub fn parse_query(raw: &str) -> std::collections::BTreeMap<String, String> {
    raw.trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode_with(k, true), percent_decode_with(v, true))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The route map Terraform deploys is the one the route table generates. A route added to
    /// [`ROUTES`] (or a change of the function serving one) fails here until the file is
    /// regenerated: `OMNIGRAPH_BLESS=1 cargo test -p omnigraph-api api_gateway`.
    #[test]
    fn api_gateway_route_file_matches_the_route_table() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(API_GATEWAY_ROUTES_FILE);
        let want = api_gateway_routes_json();
        if std::env::var_os("OMNIGRAPH_BLESS").is_some() {
            std::fs::write(&path, &want).expect("write the route file");
        }
        let have = std::fs::read_to_string(&path).expect("read the route file");
        assert_eq!(
            have, want,
            "{API_GATEWAY_ROUTES_FILE} is stale; regenerate it with OMNIGRAPH_BLESS=1"
        );
    }

    /// Every route reaches a function that serves it (export is served by `mutate`: a large
    /// export is written to the store, which `query` may not do).
    #[test]
    fn every_route_goes_to_a_function_that_serves_it() {
        let map = api_gateway_routes();
        for r in ROUTES {
            let key = format!("{} {}", r.method, r.pattern);
            let function = map.get(&key).copied();
            assert!(
                function.is_some_and(|f| r.id.is_served_by(f)),
                "{key} goes to {function:?}"
            );
        }
        assert_eq!(
            map.get("POST /graphs/{graph}/export"),
            Some(&FunctionKind::Mutate)
        );
    }
}

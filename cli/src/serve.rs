//! `omnigraph serve [--bind 127.0.0.1:8080]`: the deployed API's route table over the embedded
//! engine, as a local HTTP/1.1 endpoint (keep-alive, `Content-Length` bodies).
//!
//! Every request goes to [`Service::handle`], the same service the Lambda functions run, so
//! routes, bodies, errors and `x-request-id` are the deployed ones. A body whose declared
//! length is over the limit is answered 413 before any of it is read. With a token
//! (`--token` / `OMNIGRAPH_TOKEN`), requests must carry `Authorization: Bearer <token>`.
//!
//! The server is a small loop over `httparse` (already in the dependency graph through hyper,
//! whose server half is not compiled in): enabling hyper's `server` feature would rebuild the
//! whole storage stack that depends on hyper, for a loopback development endpoint.

use std::sync::Arc;

use bytes::Bytes;
use omnigraph_api::{new_request_id, ApiError, ErrorCode, Request, Response, Service};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Largest request head (request line and headers).
const MAX_HEAD_BYTES: usize = 64 * 1024;
const MAX_HEADERS: usize = 64;

/// Settings of the local server.
#[derive(Debug, Clone)]
pub(crate) struct ServeOptions {
    pub bind: String,
    /// Required bearer token, if any.
    pub token: Option<String>,
    /// The actor recorded on commits made through this server.
    pub actor: String,
}

/// Binds, prints the address on stderr and serves until interrupted.
pub(crate) async fn run(service: Service, options: ServeOptions) -> std::io::Result<()> {
    let listener = TcpListener::bind(&options.bind).await?;
    let addr = listener.local_addr()?;
    eprintln!("omnigraph serve: listening on http://{addr}");
    let shared = Arc::new((service, options));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(conn) => conn,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        continue;
                    }
                };
                let shared = shared.clone();
                tokio::spawn(async move {
                    if let Err(e) = connection(stream, &shared.0, &shared.1).await {
                        tracing::debug!(error = %e, %peer, "connection ended");
                    }
                });
            }
            _ = tokio::signal::ctrl_c() => {
                eprintln!("omnigraph serve: stopped");
                return Ok(());
            }
        }
    }
}

/// One parsed request head.
struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    /// Bytes of the head, including the blank line.
    len: usize,
    keep_alive: bool,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

enum Parsed {
    Complete(Head),
    Partial,
    Invalid(String),
}

fn parse_head(buf: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    match req.parse(buf) {
        Ok(httparse::Status::Partial) => Parsed::Partial,
        Err(e) => Parsed::Invalid(format!("malformed HTTP request: {e}")),
        Ok(httparse::Status::Complete(len)) => {
            let headers: Vec<(String, String)> = req
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_ascii_lowercase(),
                        String::from_utf8_lossy(h.value).trim().to_string(),
                    )
                })
                .collect();
            let connection = headers
                .iter()
                .find(|(n, _)| n == "connection")
                .map(|(_, v)| v.to_ascii_lowercase());
            let keep_alive = match req.version {
                Some(1) => connection.as_deref() != Some("close"),
                _ => connection.as_deref() == Some("keep-alive"),
            };
            Parsed::Complete(Head {
                method: req.method.unwrap_or("GET").to_string(),
                target: req.path.unwrap_or("/").to_string(),
                headers,
                len,
                keep_alive,
            })
        }
    }
}

async fn connection(
    mut stream: TcpStream,
    service: &Service,
    options: &ServeOptions,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    loop {
        // Read until a complete head is buffered.
        let head = loop {
            if !buf.is_empty() {
                match parse_head(&buf) {
                    Parsed::Complete(head) => break head,
                    Parsed::Invalid(message) => {
                        let r = error_response(ApiError::bad_request(message));
                        return write_response(&mut stream, &r, false).await;
                    }
                    Parsed::Partial if buf.len() > MAX_HEAD_BYTES => {
                        let r = error_response(ApiError::bad_request(format!(
                            "the request head is over {MAX_HEAD_BYTES} bytes"
                        )));
                        return write_response(&mut stream, &r, false).await;
                    }
                    Parsed::Partial => {}
                }
            }
            let mut chunk = [0u8; 8192];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(()); // the client closed the connection
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        buf.drain(..head.len);
        let response = match body_length(&head, service.config().max_body_bytes) {
            Err(err) => {
                // Refused before reading the body; the connection cannot be reused.
                let r = error_response(err);
                return write_response(&mut stream, &r, false).await;
            }
            Ok(length) => {
                if length > buf.len()
                    && head
                        .header("expect")
                        .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
                {
                    stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
                }
                while buf.len() < length {
                    let mut chunk = vec![0u8; (length - buf.len()).min(64 * 1024)];
                    let n = stream.read(&mut chunk).await?;
                    if n == 0 {
                        return Ok(());
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let body: Vec<u8> = buf.drain(..length).collect();
                match authorize(&head, options) {
                    Err(err) => error_response(err),
                    Ok(()) => {
                        service
                            .handle(request(&head, Bytes::from(body), options))
                            .await
                    }
                }
            }
        };
        write_response(&mut stream, &response, head.keep_alive).await?;
        if !head.keep_alive {
            return Ok(());
        }
    }
}

/// The body length the head declares, checked against the limit before reading it.
fn body_length(head: &Head, max_body_bytes: usize) -> Result<usize, ApiError> {
    if head
        .header("transfer-encoding")
        .is_some_and(|te| !te.eq_ignore_ascii_case("identity"))
    {
        return Err(ApiError::bad_request(
            "chunked request bodies are not supported; send Content-Length",
        ));
    }
    let length = match head.header("content-length") {
        None => 0,
        Some(text) => text.parse::<usize>().map_err(|_| {
            ApiError::bad_request(format!("Content-Length `{text}` is not a number"))
        })?,
    };
    if length > max_body_bytes {
        return Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!(
                "the request body is {length} bytes; the limit is {max_body_bytes} bytes (use an S3 load for large inputs)"
            ),
        ));
    }
    Ok(length)
}

fn authorize(head: &Head, options: &ServeOptions) -> Result<(), ApiError> {
    let Some(token) = &options.token else {
        return Ok(());
    };
    let presented = head.header("authorization").and_then(|v| {
        v.strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    });
    if presented.is_some_and(|p| constant_time_eq(p.trim().as_bytes(), token.as_bytes())) {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Unauthorized,
            "this server requires `Authorization: Bearer <token>`",
        ))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn request(head: &Head, body: Bytes, options: &ServeOptions) -> Request {
    let (path, query) = head
        .target
        .split_once('?')
        .unwrap_or((head.target.as_str(), ""));
    Request {
        method: head.method.clone(),
        path: path.to_string(),
        query: omnigraph_api::parse_query(query),
        headers: head.headers.iter().cloned().collect(),
        body,
        request_id: None,
        actor: Some(options.actor.clone()),
    }
}

fn error_response(err: ApiError) -> Response {
    omnigraph_api::respond(Err(err), &new_request_id())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

async fn write_response(
    stream: &mut TcpStream,
    response: &Response,
    keep_alive: bool,
) -> std::io::Result<()> {
    let body = response.body.to_string();
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n", body.len()));
    head.push_str(if keep_alive {
        "connection: keep-alive\r\n\r\n"
    } else {
        "connection: close\r\n\r\n"
    });
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body.as_bytes()).await?;
    stream.flush().await
}

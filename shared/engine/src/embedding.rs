//! Embedding providers: what computes `@embed` vectors on writes and the vector of a `String`
//! query in `nearest`. Owns the provider trait, the OpenAI-compatible HTTP provider (any
//! `/v1/embeddings` endpoint: OpenAI, Azure OpenAI, Ollama, vLLM, a Bedrock gateway…), its
//! configuration from the environment, and the dimension check (E-R001 / E-R002).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use serde::Deserialize;

/// Environment variable: the embeddings endpoint URL (e.g. `https://api.openai.com/v1/embeddings`).
pub const EMBEDDING_URL_ENV: &str = "OMNIGRAPH_EMBEDDING_URL";
/// Environment variable: the model name sent with each request.
pub const EMBEDDING_MODEL_ENV: &str = "OMNIGRAPH_EMBEDDING_MODEL";
/// Environment variable: the bearer token (optional).
pub const EMBEDDING_API_KEY_ENV: &str = "OMNIGRAPH_EMBEDDING_API_KEY";

/// Most texts sent in one provider request.
pub(crate) const BATCH: usize = 256;

/// Why a provider could not embed (all of these surface as E-R001).
#[derive(Debug, thiserror::Error)]
pub enum EmbeddingError {
    #[error("the embedding provider is unreachable: {0}")]
    Transport(String),
    #[error("the embedding provider answered HTTP {status}: {body}")]
    Status { status: u16, body: String },
    #[error("the embedding provider's answer is malformed: {0}")]
    Malformed(String),
    #[error("embedding configuration: {0}")]
    Config(String),
}

/// Something that turns texts into vectors, one per text, in order.
#[async_trait]
pub trait EmbeddingProvider: Send + Sync + fmt::Debug {
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbeddingError>;
}

/// An OpenAI-compatible `POST {url}` with `{"model", "input": [...]}` answered by
/// `{"data": [{"index", "embedding": [...]}, ...]}`.
pub struct HttpEmbeddingProvider {
    client: reqwest::Client,
    url: String,
    model: String,
    api_key: Option<String>,
}

impl fmt::Debug for HttpEmbeddingProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpEmbeddingProvider")
            .field("url", &self.url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl HttpEmbeddingProvider {
    pub fn new(
        url: impl Into<String>,
        model: impl Into<String>,
        api_key: Option<String>,
    ) -> Result<Self, EmbeddingError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| EmbeddingError::Config(e.to_string()))?;
        Ok(Self {
            client,
            url: url.into(),
            model: model.into(),
            api_key,
        })
    }

    /// The provider named by `OMNIGRAPH_EMBEDDING_URL` / `_MODEL` / `_API_KEY`, if a URL is set.
    pub fn from_env() -> Result<Option<Self>, EmbeddingError> {
        let Ok(url) = std::env::var(EMBEDDING_URL_ENV) else {
            return Ok(None);
        };
        let model = std::env::var(EMBEDDING_MODEL_ENV).map_err(|_| {
            EmbeddingError::Config(format!(
                "{EMBEDDING_URL_ENV} is set but {EMBEDDING_MODEL_ENV} is not"
            ))
        })?;
        let key = std::env::var(EMBEDDING_API_KEY_ENV).ok();
        Self::new(url, model, key).map(Some)
    }

    async fn embed_batch(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbeddingError> {
        let body = serde_json::json!({"model": self.model, "input": texts});
        let mut req = self
            .client
            .post(&self.url)
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(k) = &self.api_key {
            req = req.bearer_auth(k);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| EmbeddingError::Transport(e.to_string()))?;
        let status = resp.status().as_u16();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| EmbeddingError::Transport(e.to_string()))?;
        if !(200..300).contains(&status) {
            let body: String = String::from_utf8_lossy(&bytes).chars().take(200).collect();
            return Err(EmbeddingError::Status { status, body });
        }
        parse_response(&bytes, texts.len())
    }
}

#[derive(Deserialize)]
struct Response {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    index: usize,
    embedding: Vec<f32>,
}

/// Orders the answer's items by `index`; exactly one per input text.
fn parse_response(bytes: &[u8], expected: usize) -> Result<Vec<Vec<f32>>, EmbeddingError> {
    let resp: Response =
        serde_json::from_slice(bytes).map_err(|e| EmbeddingError::Malformed(e.to_string()))?;
    let mut out: Vec<Option<Vec<f32>>> = vec![None; expected];
    for item in resp.data {
        let slot = out.get_mut(item.index).ok_or_else(|| {
            EmbeddingError::Malformed(format!("index {} out of range", item.index))
        })?;
        *slot = Some(item.embedding);
    }
    out.into_iter()
        .enumerate()
        .map(|(i, v)| {
            v.ok_or_else(|| EmbeddingError::Malformed(format!("no embedding for input {i}")))
        })
        .collect()
}

#[async_trait]
impl EmbeddingProvider for HttpEmbeddingProvider {
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbeddingError> {
        let mut out = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(BATCH) {
            out.extend(self.embed_batch(chunk).await?);
        }
        Ok(out)
    }
}

/// Why a text could not become a vector of the wanted size, as a diagnostic code + sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedFailure {
    pub code: &'static str,
    pub message: String,
}

/// Embeds `texts` for a `Vector(dim)` target named `what` (e.g. "`Doc.embedding`"): E-R001 when
/// no provider is configured or it fails, E-R002 when a vector has the wrong dimension or a
/// non-finite component.
pub async fn embed_checked(
    provider: Option<&dyn EmbeddingProvider>,
    texts: &[String],
    dim: u32,
    what: &str,
) -> Result<Vec<Vec<f32>>, EmbedFailure> {
    let Some(p) = provider else {
        return Err(EmbedFailure {
            code: "E-R001",
            message: format!(
                "{what} must be embedded, but no embedding provider is configured (set {EMBEDDING_URL_ENV} and {EMBEDDING_MODEL_ENV}, or supply the vector)"
            ),
        });
    };
    let vectors = p.embed(texts).await.map_err(|e| EmbedFailure {
        code: "E-R001",
        message: format!("cannot embed {what}: {e}"),
    })?;
    for v in &vectors {
        if v.len() != dim as usize {
            return Err(EmbedFailure {
                code: "E-R002",
                message: format!(
                    "the embedding provider returned {} dimensions for {what}, which is `Vector({dim})`",
                    v.len()
                ),
            });
        }
        if v.iter().any(|x| !x.is_finite()) {
            return Err(EmbedFailure {
                code: "E-R002",
                message: format!(
                    "the embedding provider returned a non-finite component for {what}"
                ),
            });
        }
    }
    Ok(vectors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_ordered_by_index_and_complete() {
        let body = br#"{"data":[{"index":1,"embedding":[2.0]},{"index":0,"embedding":[1.0]}]}"#;
        assert_eq!(parse_response(body, 2).unwrap(), vec![vec![1.0], vec![2.0]]);
        let missing = br#"{"data":[{"index":0,"embedding":[1.0]}]}"#;
        assert!(matches!(
            parse_response(missing, 2),
            Err(EmbeddingError::Malformed(_))
        ));
        let out_of_range = br#"{"data":[{"index":5,"embedding":[1.0]}]}"#;
        assert!(matches!(
            parse_response(out_of_range, 1),
            Err(EmbeddingError::Malformed(_))
        ));
        assert!(matches!(
            parse_response(b"nope", 1),
            Err(EmbeddingError::Malformed(_))
        ));
    }
}

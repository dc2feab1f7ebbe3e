//! A stand-in for an OpenAI-compatible embeddings endpoint (`POST /v1/embeddings`), served on
//! loopback for the tests of `@embed` and `nearest` with text queries. Its vectors are a
//! deterministic bag of hashed words, so texts sharing words are close in cosine distance.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the stand-in answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmbeddingBehaviour {
    /// Vectors of this many components.
    Dimension(usize),
    /// HTTP 500 for every request.
    Fail,
}

/// A running stand-in; stops when dropped.
pub struct EmbeddingServer {
    pub url: String,
    requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for EmbeddingServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl EmbeddingServer {
    pub async fn start(behaviour: EmbeddingBehaviour) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/v1/embeddings", listener.local_addr()?);
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, behaviour, &counter).await;
                });
            }
        });
        Ok(Self {
            url,
            requests,
            task,
        })
    }

    /// Embedding requests answered so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// The stand-in's vector for `text`: word counts hashed into `dim` buckets.
pub fn bag_of_words(text: &str, dim: usize) -> Vec<f32> {
    let mut v = vec![0.0f32; dim.max(1)];
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in word.to_lowercase().bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
        let bucket = (h % v.len() as u64) as usize;
        v[bucket] += 1.0;
    }
    v
}

async fn serve(
    mut stream: TcpStream,
    behaviour: EmbeddingBehaviour,
    counter: &AtomicUsize,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let (head_end, content_length) = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..pos]).to_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (pos + 4, len);
        }
    };
    while buf.len() < head_end + content_length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    counter.fetch_add(1, Ordering::SeqCst);
    let body: serde_json::Value =
        serde_json::from_slice(&buf[head_end..]).unwrap_or(serde_json::Value::Null);
    let (status, answer) = match behaviour {
        EmbeddingBehaviour::Fail => (
            "500 Internal Server Error",
            "{\"error\":\"model offline\"}".to_string(),
        ),
        EmbeddingBehaviour::Dimension(dim) => {
            let inputs = body["input"].as_array().cloned().unwrap_or_default();
            let data: Vec<serde_json::Value> = inputs
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    serde_json::json!({
                        "object": "embedding",
                        "index": i,
                        "embedding": bag_of_words(t.as_str().unwrap_or(""), dim),
                    })
                })
                .collect();
            (
                "200 OK",
                serde_json::json!({"object": "list", "data": data}).to_string(),
            )
        }
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
        answer.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

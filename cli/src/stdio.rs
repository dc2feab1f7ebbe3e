//! Standard input and output for async engine calls without tokio's `io-std` feature (not
//! enabled in this workspace): stdin is pumped by a thread into an in-memory pipe, stdout is
//! written synchronously (the CLI has nothing else to do while it writes).

use std::io::{Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncWrite, AsyncWriteExt, DuplexStream};

/// Standard input as an async reader, fed by a thread reading 1 MiB at a time.
pub(crate) fn stdin_reader() -> DuplexStream {
    let (mut writer, reader) = tokio::io::duplex(1 << 20);
    let handle = tokio::runtime::Handle::current();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = match stdin.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let slice = buf.get(..n).unwrap_or_default();
            if handle.block_on(writer.write_all(slice)).is_err() {
                break;
            }
        }
        // Dropping the writer ends the reader's input.
    });
    reader
}

/// Standard output as an async writer (each write is a blocking write to stdout).
pub(crate) struct Stdout(std::io::Stdout);

impl Stdout {
    pub(crate) fn new() -> Self {
        Self(std::io::stdout())
    }
}

impl AsyncWrite for Stdout {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.get_mut().0.write(buf))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.get_mut().0.flush())
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.poll_flush(cx)
    }
}

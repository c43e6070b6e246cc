//! Writing to stdout without panicking when the reader goes away (`zkcredit … | head`).

use std::io::{ErrorKind, Write};

/// Writes `text` and a newline to stdout; a closed pipe is not an error.
///
/// # Errors
/// Any other I/O error.
pub fn println(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

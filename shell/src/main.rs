//! The `mailsec` binary: a thin entry point; everything lives in the library.

/// mimalloc for small blocks, the system allocator for large ones (see `allocator.rs` for why).
#[global_allocator]
static GLOBAL: mailsec::allocator::Split = mailsec::allocator::Split;

fn main() -> std::process::ExitCode {
    let code = mailsec::cli::main();
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}

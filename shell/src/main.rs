//! The `mailsec` binary: a thin entry point; everything lives in the library.

fn main() -> std::process::ExitCode {
    let code = mailsec::cli::main();
    std::process::ExitCode::from(u8::try_from(code).unwrap_or(1))
}

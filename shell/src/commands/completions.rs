//! `mailsec completions SHELL` (a completion script from the clap definition) and `mailsec man`
//! (the man page, roff, to stdout).

use std::io::Write;

pub fn completions(shell: clap_complete::Shell) -> i32 {
    let mut cmd = crate::cli::command();
    // Into memory first: clap_complete panics when its writer fails (e.g. a closed pipe).
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "mailsec", &mut buf);
    print_all(&buf)
}

pub fn man() -> i32 {
    let mut buf = Vec::new();
    match clap_mangen::Man::new(crate::cli::command()).render(&mut buf) {
        Ok(()) => print_all(&buf),
        Err(e) => {
            eprintln!("error: cannot write the man page: {e}");
            1
        }
    }
}

/// Write to stdout; a reader that went away (`| head`) is not an error worth a message.
fn print_all(bytes: &[u8]) -> i32 {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            1
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_shell_gets_a_script_and_the_man_page_renders() {
        for shell in [
            clap_complete::Shell::Bash,
            clap_complete::Shell::Zsh,
            clap_complete::Shell::Fish,
            clap_complete::Shell::PowerShell,
        ] {
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut crate::cli::command(), "mailsec", &mut buf);
            let text = String::from_utf8_lossy(&buf);
            assert!(text.contains("mailsec"), "{shell:?}");
            assert!(text.contains("completions"), "{shell:?}");
        }
        let mut buf = Vec::new();
        clap_mangen::Man::new(crate::cli::command())
            .render(&mut buf)
            .expect("renders");
        let text = String::from_utf8_lossy(&buf);
        assert!(text.contains(".TH mailsec"), "{text}");
        assert!(text.contains("check"), "{text}");
    }
}

use super::*;
use crate::syntax::parse_script;

/// What a run left behind.
struct Ran {
    out: String,
    errors: Vec<RuntimeError>,
    terminating: Option<RuntimeError>,
    state: DesiredState,
    had_error: bool,
    exit_code: Option<i32>,
}

/// Run `src` against an empty state, on a thread with the main thread's stack size (test
/// threads have 2 MiB; the evaluator's deepest recursion needs more in debug builds).
fn run_full(src: &str) -> Ran {
    let src = src.to_string();
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || run_here(&src))
        .expect("thread")
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

fn run_here(src: &str) -> Ran {
    let mut state = DesiredState::default();
    let live = LiveState::default();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let (terminating, had_error, exit_code) = {
        let mut ev = Evaluator::new(&mut state, &live, "test".into(), PathBuf::from("."));
        let mut report = |e: &RuntimeError| errors.push(e.clone());
        let mut warn = |_: &str| {};
        let script = parse_script(src).unwrap_or_else(|e| panic!("{src}: {e:#?}"));
        let mut io = Io::new(&mut out, &mut report, &mut warn, None);
        let t = ev.run(&script, &mut io).err();
        (t, ev.had_error, ev.exit_code)
    };
    Ran {
        out: String::from_utf8_lossy(&out).into_owned(),
        errors,
        terminating,
        state,
        had_error,
        exit_code,
    }
}

/// Run `src` against an empty state; returns (printed output, reported errors).
pub(super) fn run(src: &str) -> (String, Vec<String>) {
    let r = run_full(src);
    let mut errors: Vec<String> = r.errors.into_iter().map(|e| e.message).collect();
    if let Some(e) = r.terminating {
        errors.push(format!("terminating: {}", e.message));
    }
    (r.out, errors)
}

/// The output of a run that must not fail.
pub(super) fn ok(src: &str) -> String {
    let (out, errs) = run(src);
    assert!(errs.is_empty(), "{src}: {errs:?}");
    out
}

#[test]
fn arraylist_methods_change_the_variable() {
    let (out, errs) = run("$a = New-Object System.Collections.ArrayList\n$a.Add('x')\n[void]$a.Add('y')\n$a.Insert(0, 'w')\n$a.Count\n$a[0]");
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(out, "0\n3\nw\n");
}

#[test]
fn arrays_index_and_members() {
    let (out, errs) = run("$x = 1,2,3\n$x[-1]\n$x.Count\n'abc'.Length\n$null -eq $y");
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(out, "3\n3\n3\nTrue\n");
}

#[test]
fn unsupported_things_are_named_never_a_crash() {
    let (_, errs) = run(
        "New-Object System.Net.WebClient\n'a'.Frobnicate()\n[System.Math]::Sqrt(4)\n[xml]'<a/>'",
    );
    assert_eq!(errs.len(), 4, "{errs:?}");
    assert!(errs[0].contains("[System.Net.WebClient] is not supported"));
    assert!(errs[1].contains("method 'Frobnicate'"));
    assert!(errs[2].contains("[System.Math]::Sqrt is not supported"));
    assert!(errs[3].contains("Casting to [xml] is not supported"));
}

#[test]
fn strings_expand_variables_and_subexpressions() {
    let (out, errs) = run("$n = 'jo'\n\"hi $n $(1 + 2)\"");
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(out, "hi jo 3\n");
}

#[test]
fn a_missing_file_names_every_path_tried() {
    let (_, errs) = run("[System.IO.File]::ReadAllBytes('no/such.cer')");
    assert!(
        errs[0].starts_with("Could not find file 'no/such.cer'. Tried: "),
        "{errs:?}"
    );
}

// ----- statements -----

#[test]
fn if_elseif_else() {
    let src = "foreach ($n in 0, 1, 5) {\n  if ($n -gt 1) { 'big' } elseif ($n -eq 1) { 'one' }\n  else { 'zero' }\n}";
    assert_eq!(ok(src), "zero\none\nbig\n");
    assert_eq!(ok("if (@()) { 'a' } else { 'b' }"), "b\n");
    assert_eq!(ok("if (@(0)) { 'a' } else { 'b' }"), "b\n");
    assert_eq!(ok("if ('x') { 'a' }"), "a\n");
    assert_eq!(ok("$v = if ($true) { 1 } else { 2 }; $v"), "1\n");
    assert_eq!(ok("if ($m = 'x') { \"got $m\" }"), "got x\n");
}

#[test]
fn loops_break_and_continue() {
    assert_eq!(
        ok("foreach ($i in 1..5) { if ($i -eq 2) { continue }; if ($i -eq 4) { break }; $i }"),
        "1\n3\n"
    );
    assert_eq!(ok("$i = 0; while ($i -lt 3) { $i++; $i }"), "1\n2\n3\n");
    assert_eq!(ok("$i = 0; do { $i } while (++$i -lt 2)"), "0\n1\n");
    assert_eq!(
        ok("$i = 5; do { $i; $i-- } until ($i -le 3); $i"),
        "5\n4\n3\n"
    );
    assert_eq!(
        ok("for ($i = 0; $i -lt 3; $i++) { $i * 10 }"),
        "0\n10\n20\n"
    );
    assert_eq!(
        ok("for ($i = 0; ; $i++) { if ($i -ge 2) { break }; $i }"),
        "0\n1\n"
    );
    // break leaves only the inner loop
    assert_eq!(
        ok("foreach ($a in 1..2) { foreach ($b in 1..3) { if ($b -eq 2) { break }; \"$a$b\" } }"),
        "11\n21\n"
    );
    // foreach over $null runs zero times, over a scalar once
    assert_eq!(
        ok("foreach ($x in $null) { 'no' }; foreach ($x in 'one') { $x }"),
        "one\n"
    );
    let (out, errs) = run("$all = foreach ($n in 1..3) { $n * $n }\n$all.Count\n$all[-1]");
    assert!(errs.is_empty());
    assert_eq!(out, "3\n9\n");
}

#[test]
fn top_level_loops_print_as_they_go() {
    assert_eq!(
        ok("foreach ($i in 1..2) { Write-Host \"w$i\"; $i }"),
        "w1\n1\nw2\n2\n"
    );
}

#[test]
fn switch_statement() {
    let src = "foreach ($v in 'apple', 'Banana', 42, 'x') {\n  switch ($v) {\n    'apple' { 'fruit' }\n    42 { 'answer' }\n    { $_ -like 'b*' } { 'b-word' }\n    default { \"other $_\" }\n  }\n}";
    assert_eq!(ok(src), "fruit\nb-word\nanswer\nother x\n");
    assert_eq!(
        ok("switch -Wildcard ('mail.contoso.com') { '*.contoso.com' { 'ours' } '*.com' { 'com' } }"),
        "ours\ncom\n"
    );
    assert_eq!(
        ok("switch -Wildcard ('mail.contoso.com') { '*.contoso.com' { 'ours'; break } '*.com' { 'com' } }"),
        "ours\n"
    );
    assert_eq!(
        ok("switch -Regex ('CN=Jo,O=X') { '^CN=([^,]+)' { $Matches[1] } }"),
        "Jo\n"
    );
    assert_eq!(
        ok("switch (1, 2, 3) { 2 { 'two' } default { $_ } }"),
        "1\ntwo\n3\n"
    );
    assert_eq!(
        ok("switch -CaseSensitive ('A') { 'a' { 'lower' } 'A' { 'upper' } }"),
        "upper\n"
    );
}

#[test]
fn try_catch_finally_and_throw() {
    assert_eq!(
        ok("try { throw 'boom' } catch { \"caught: $($_.Exception.Message)\" } finally { 'cleanup' }"),
        "caught: boom\ncleanup\n"
    );
    assert_eq!(ok("try { 'a' } finally { 'b' }"), "a\nb\n");
    // catch sees $_ as an error record; "$_" is its message
    assert_eq!(
        ok("try { throw \"no $(1+1)\" } catch { \"$_\"; $_.FullyQualifiedErrorId; $_ -is [System.Management.Automation.ErrorRecord] }"),
        "no 2\nRuntimeException\nTrue\n"
    );
    // typed catch clauses
    assert_eq!(
        ok("try { Get-NoSuchThing } catch [System.Management.Automation.CommandNotFoundException] { 'not found' } catch { 'other' }"),
        "not found\n"
    );
    assert_eq!(
        ok("try { throw 'x' } catch [System.IO.IOException] { 'io' } catch [Exception] { 'any' }"),
        "any\n"
    );
    // an uncaught throw is terminating: the run stops
    let r = run_full("'before'\nthrow 'fatal'\n'after'");
    assert_eq!(r.out, "before\n");
    let t = r.terminating.expect("terminating");
    assert_eq!(t.message, "fatal");
    assert_eq!(t.span, Span::new(9, 22));
    // a bare throw in catch rethrows the same error (with its span)
    let r = run_full("try { Get-Nope } catch { 'seen'; throw }");
    assert_eq!(r.out, "seen\n");
    let t = r.terminating.expect("terminating");
    assert!(
        t.message.contains("'Get-Nope' is not recognized"),
        "{}",
        t.message
    );
    assert_eq!(t.span, Span::new(6, 14));
    // finally runs on the way out of a throw, break and return
    let r = run_full("try { throw 'x' } finally { 'f' }");
    assert_eq!(r.out, "f\n");
    assert!(r.terminating.is_some());
    assert_eq!(
        ok("foreach ($i in 1..3) { try { if ($i -eq 2) { break }; $i } finally { \"f$i\" } }"),
        "1\nf1\nf2\n"
    );
    // errors in a function reach the caller's catch
    assert_eq!(
        ok("function f { throw 'deep' }\ntry { f; 'not here' } catch { \"outer: $_\" }"),
        "outer: deep\n"
    );
    // a throw of an object or of nothing
    assert_eq!(
        ok("try { throw } catch { $_.Exception.Message }"),
        "ScriptHalted\n"
    );
}

#[test]
fn cmdlet_errors_and_error_action() {
    // non-terminating: reported, the script goes on, catch does not see it
    let r = run_full("try { Get-MailContact nobody; 'after' } catch { 'caught' }");
    assert_eq!(r.out, "after\n");
    assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
    assert!(r.had_error);
    // -ErrorAction Stop makes it terminating: catch sees it
    let r = run_full("try { Get-MailContact nobody -ErrorAction Stop; 'after' } catch { \"caught: $($_.Exception.Message)\" }");
    assert!(r.out.starts_with("caught: "), "{}", r.out);
    assert!(r.errors.is_empty());
    // $ErrorActionPreference = 'Stop' does the same for later commands
    let r = run_full("$ErrorActionPreference = 'Stop'\ntry { Get-MailContact nobody; 'after' } catch { 'caught' }");
    assert_eq!(r.out, "caught\n");
    // ... and uncaught it stops the run
    let r = run_full("$ErrorActionPreference = 'Stop'\nGet-MailContact nobody\n'after'");
    assert_eq!(r.out, "");
    assert!(r.terminating.is_some());
    // SilentlyContinue hides it but $Error keeps it; -ErrorVariable too
    let r = run_full("Get-MailContact nobody -ErrorAction SilentlyContinue -ErrorVariable ev\n$Error.Count\n$ev.Count\n$ev[0].CategoryInfo.Category");
    assert_eq!(r.out, "1\n1\nObjectNotFound\n");
    assert!(r.errors.is_empty());
    assert!(!r.had_error);
    // a statement-terminating error (unknown command) ends only that statement
    let r = run_full("Get-Nope | ForEach-Object { 'not run' }; 'same line'\n'next line'");
    assert_eq!(r.out, "same line\nnext line\n");
    assert_eq!(r.errors.len(), 1);
}

#[test]
fn dollar_question_mark_tells_whether_the_last_statement_failed() {
    let r = run_full(
        "Get-MailContact nobody -ErrorAction SilentlyContinue\n$?\n'fine'\n$?\nGet-Nope\n$?",
    );
    assert_eq!(r.out, "False\nfine\nTrue\nFalse\n");
}

#[test]
fn functions_bind_named_positional_and_defaults() {
    let src = "function Greet { param([string]$Name, $Greeting = 'Hello', [switch]$Loud)\n  $t = \"$Greeting, $Name\"\n  if ($Loud) { $t.ToUpper() } else { $t }\n}\nGreet jo\nGreet -Name ann -Greeting Hi\nGreet -Gr Yo bob";
    let (out, errs) = run(src);
    // ToUpper is a string method (objects.rs); whichever way it goes, no panic
    assert!(
        out.starts_with("Hello, jo\nHi, ann\nYo, bob\n"),
        "{out} {errs:?}"
    );
    assert_eq!(
        ok("function Add($a, $b) { $a + $b }\nAdd 1 2\nAdd -b 3 -a 4"),
        "3\n7\n"
    );
    assert_eq!(ok("function T([int]$n) { $n * 2 }\nT '21'"), "42\n");
    assert_eq!(
        ok("function S([switch]$On) { $On }\nS\nS -On\nS -On:$false"),
        "False\nTrue\nFalse\n"
    );
    // defaults may use earlier parameters
    assert_eq!(ok("function D($a, $b = $a * 2) { $b }\nD 5"), "10\n");
    // simple functions get extra arguments in $args
    assert_eq!(
        ok("function A { $args.Count; $args[1] }\nA x y z"),
        "3\ny\n"
    );
    assert_eq!(ok("function P { $PSBoundParameters.Count }\nfunction Q($x, $y) { $PSBoundParameters['y'] }\nP\nQ -y 7"), "0\n7\n");
    // advanced functions: mandatory, unknown parameters, validation, positions
    let (_, errs) =
        run("function M { [CmdletBinding()] param([Parameter(Mandatory)] $Name) $Name }\nM");
    assert_eq!(
        errs,
        ["Cannot process command because of one or more missing mandatory parameters: Name."]
    );
    let (_, errs) = run("function M { [CmdletBinding()] param($Name) $Name }\nM -Nmae x");
    assert_eq!(
        errs,
        ["A parameter cannot be found that matches parameter name 'Nmae'."]
    );
    let (_, errs) = run("function V { param([ValidateSet('Low','High')] $Level) $Level }\nV -Level High\nV -Level Mid");
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].contains("does not belong to the set \"Low,High\""),
        "{errs:?}"
    );
    assert_eq!(
        ok("function Pos { param([Parameter(Position=1)] $b, [Parameter(Position=0)] $a) \"$a-$b\" }\nPos x y"),
        "x-y\n"
    );
    assert_eq!(ok("function E { [CmdletBinding()] param() Get-MailContact nobody; 'went on' }\ntry { E -ErrorAction Stop } catch { 'stopped' }"), "stopped\n");
    let (_, errs) = run("function F($a) { }\nF -a");
    assert!(
        errs[0].starts_with("Missing an argument for parameter 'a'."),
        "{errs:?}"
    );
    let (_, errs) = run("function F($abc, $abd) { }\nF -ab 1");
    assert!(errs[0].contains("is ambiguous"), "{errs:?}");
    let (_, errs) = run("function F([int]$n) { }\nF x");
    assert!(
        errs[0].starts_with("Cannot process argument transformation on parameter 'n'."),
        "{errs:?}"
    );
}

#[test]
fn functions_return_scope_and_recursion() {
    // output before return is kept; return ends the function
    assert_eq!(
        ok("function R { 'a'; if ($true) { 'b'; return 'c' }; 'never' }\nR"),
        "a\nb\nc\n"
    );
    assert_eq!(
        ok("function Fact($n) { if ($n -le 1) { return 1 }; $n * (Fact ($n - 1)) }\nFact 10"),
        "3628800\n"
    );
    // variables set in a function stay there; $script: reaches out
    assert_eq!(
        ok("$x = 1\nfunction F { $x = 2; $script:y = 3; $x }\nF\n$x\n$y"),
        "2\n1\n3\n"
    );
    // functions read the caller's variables
    assert_eq!(
        ok("$prefix = 'p'\nfunction F { \"$prefix-x\" }\nF"),
        "p-x\n"
    );
    // endless recursion is an error, not a crash
    let r = run_full("function Loop { Loop }\nLoop\n'after'");
    let t = r.terminating.expect("terminating");
    assert!(t.message.contains("call depth overflow"), "{}", t.message);
    // a function result assigned
    assert_eq!(ok("function Two { 1; 2 }\n$r = Two\n$r.Count"), "2\n");
    // functions take precedence and are called like cmdlets, in pipelines too
    assert_eq!(
        ok("function Get-Thing { 'mine' }\nGet-Thing | ForEach-Object { \"[$_]\" }"),
        "[mine]\n"
    );
}

#[test]
fn functions_take_pipeline_input() {
    let src = "function Double { param([Parameter(ValueFromPipeline)] $n) process { $n * 2 } }\n1..3 | Double";
    assert_eq!(ok(src), "2\n4\n6\n");
    let src = "function Show-Name { param([Parameter(ValueFromPipelineByPropertyName)] $Name) process { \"name=$Name\" } }\n[pscustomobject]@{Name='a'}, [pscustomobject]@{Name='b'} | Show-Name";
    assert_eq!(ok(src), "name=a\nname=b\n");
    let src = "function Count-It { begin { $c = 0 } process { $c++ } end { $c } }\n'a','b','c' | Count-It";
    assert_eq!(ok(src), "3\n");
    assert_eq!(
        ok("filter Big { if ($_ -gt 2) { $_ } }\n1..4 | Big"),
        "3\n4\n"
    );
    assert_eq!(ok("function All { $input.Count }\n1..4 | All"), "4\n");
}

#[test]
fn script_blocks_are_values() {
    assert_eq!(ok("$double = { param($x) $x * 2 }\n& $double 21"), "42\n");
    assert_eq!(ok("$sb = { $args[0] + 1 }\n$sb.Invoke(1)"), "2\n");
    assert_eq!(ok("& { 'inline' }"), "inline\n");
    // & runs in a new scope, . in the current one
    assert_eq!(ok("$v = 1\n& { $v = 2 }\n$v\n. { $v = 3 }\n$v"), "1\n3\n");
    assert_eq!(
        ok("$sb = { Name -eq 'jo' }\n\"$sb\"\n$sb.ToString()"),
        " Name -eq 'jo' \n Name -eq 'jo' \n"
    );
    assert_eq!(ok("$sb = { 1 }\n$sb -is [scriptblock]"), "True\n");
    assert_eq!(ok("& 'Write-Output' hi"), "hi\n");
    assert_eq!(ok("1..3 | & { process { $_ * 3 } }"), "3\n6\n9\n");
    assert_eq!(
        ok("$f = [scriptblock]::Create('$args[0] * 5')\n& $f 2"),
        "10\n"
    );
    let (_, errs) = run("& 42");
    assert!(
        errs[0].contains("must result in a command name or a script block"),
        "{errs:?}"
    );
    let (_, errs) = run("& .\\other.ps1");
    assert!(errs[0].contains("Running script files"), "{errs:?}");
}

#[test]
fn foreach_object() {
    assert_eq!(ok("1..3 | ForEach-Object { $_ * 2 }"), "2\n4\n6\n");
    assert_eq!(ok("1..3 | % { $PSItem + 1 }"), "2\n3\n4\n");
    assert_eq!(ok("'a','b' | foreach { $_.ToString() }"), "a\nb\n");
    assert_eq!(
        ok("1..4 | ForEach-Object -Begin { $sum = 0 } -Process { $sum += $_ } -End { $sum }"),
        "10\n"
    );
    assert_eq!(
        ok("1..2 | ForEach-Object { 'begin' } { \"p$_\" } { 'end' }"),
        "begin\np1\np2\nend\n"
    );
    // the block runs in the caller's scope
    assert_eq!(ok("$n = 0\n1..5 | % { $n++ }\n$n"), "5\n");
    // member name form
    assert_eq!(
        ok("[pscustomobject]@{Name='a'}, [pscustomobject]@{Name='b'} | ForEach-Object Name"),
        "a\nb\n"
    );
    assert_eq!(ok("'x' | ForEach-Object -MemberName Length"), "1\n");
    // return goes to the next item; $_ is restored afterwards
    assert_eq!(
        ok("$_ = 'outer'\n1..3 | % { if ($_ -eq 2) { return }; $_ }\n$_"),
        "1\n3\nouter\n"
    );
    assert_eq!(ok("ForEach-Object { 'once' }"), "once\n");
    assert_eq!(ok("@() | ForEach-Object { 'never' }"), "");
    let (_, errs) = run("1 | ForEach-Object -Bogus { }");
    assert_eq!(
        errs,
        ["A parameter cannot be found that matches parameter name 'Bogus'."]
    );
}

#[test]
fn where_object_block_and_simplified_forms() {
    let people = "$p = [pscustomobject]@{Name='ann'; Age=30; Mail='ann@contoso.com'}, [pscustomobject]@{Name='bob'; Age=20; Mail='bob@fabrikam.com'}, [pscustomobject]@{Name='cy'; Age=40; Mail=''}\n";
    let q = |tail: &str| ok(&format!("{people}{tail}"));
    assert_eq!(
        q("$p | Where-Object { $_.Age -gt 25 } | % Name"),
        "ann\ncy\n"
    );
    assert_eq!(q("$p | where { $_.Name -like 'b*' } | % Name"), "bob\n");
    assert_eq!(q("$p | ? Age -lt 35 | % Name"), "ann\nbob\n");
    assert_eq!(q("$p | Where-Object Name -eq 'BOB' | % Name"), "bob\n");
    assert_eq!(q("$p | Where-Object Name -ceq 'BOB' | % Name"), "");
    assert_eq!(
        q("$p | Where-Object -Property Name -Value cy | % Name"),
        "cy\n"
    );
    assert_eq!(
        q("$p | Where-Object -Property Name -EQ -Value cy | % Name"),
        "cy\n"
    );
    assert_eq!(
        q("$p | Where-Object Mail -like '*@contoso.com' | % Name"),
        "ann\n"
    );
    assert_eq!(
        q("$p | Where-Object Mail -notlike '*@contoso.com' | % Name"),
        "bob\ncy\n"
    );
    assert_eq!(q("$p | Where-Object Mail -match '^b.*@' | % Name"), "bob\n");
    assert_eq!(
        q("$p | Where-Object Mail -notmatch 'fabrikam' | % Name"),
        "ann\ncy\n"
    );
    assert_eq!(q("$p | Where-Object Name -ne ann | % Name"), "bob\ncy\n");
    assert_eq!(q("$p | Where-Object Mail | % Name"), "ann\nbob\n");
    assert_eq!(q("$p | Where-Object -Not Mail | % Name"), "cy\n");
    assert_eq!(
        q("$p | Where-Object Name -in 'ann','cy' | % Name"),
        "ann\ncy\n"
    );
    assert_eq!(
        q("$p | Where-Object -FilterScript { $_.Age -eq 20 } | % Name"),
        "bob\n"
    );
    assert_eq!(q("($p | ? { $_.Age -ge 30 }).Count"), "2\n");
    let (_, errs) = run("1 | Where-Object");
    assert!(
        errs[0].starts_with("Where-Object needs a condition"),
        "{errs:?}"
    );
}

#[test]
fn sort_object_with_script_blocks() {
    assert_eq!(ok("3, 1, 2 | Sort-Object"), "1\n2\n3\n");
    assert_eq!(ok("3, 1, 2 | Sort-Object -Descending"), "3\n2\n1\n");
    assert_eq!(
        ok("'bb', 'a', 'ccc' | Sort-Object { $_.Length } -Descending"),
        "ccc\nbb\na\n"
    );
    assert_eq!(
        ok("[pscustomobject]@{N='b'; A=1}, [pscustomobject]@{N='a'; A=2} | Sort-Object -Property @{Expression='N'} | % N"),
        "a\nb\n"
    );
    assert_eq!(
        ok("('b', 'A', 'a', 'B' | Sort-Object { $_ } -Unique).Count"),
        "2\n"
    );
    assert_eq!(ok("10, 9, 100 | sort { $_ }"), "9\n10\n100\n");
    assert_eq!(
        ok("'ab', 'b', 'c' | Sort-Object @{ Expression = { $_.Length }; Descending = $true }, { $_ }"),
        "ab\nb\nc\n"
    );
}

#[test]
fn select_object_calculated_properties() {
    let src = "$p = [pscustomobject]@{ Name = 'ann'; Mail = 'ANN@X.COM' }, [pscustomobject]@{ Name = 'bob'; Mail = 'bob@y.com' }\n$r = $p | Select-Object Name, @{ Name = 'Domain'; Expression = { ($_.Mail -split '@')[1] } }, @{ l = 'M'; e = 'Mail' }\n$r[0].Domain; $r[1].M; $r[0].Name";
    assert_eq!(ok(src), "X.COM\nbob@y.com\nann\n");
    assert_eq!(
        ok("1..5 | Select-Object @{ n = 'Sq'; e = { $_ * $_ } } -First 2 | % Sq"),
        "1\n4\n"
    );
    let (_, errs) = run("1 | Select-Object @{ n = 'x' }, { $_ }");
    assert!(errs[0].contains("needs an Expression key"), "{errs:?}");
}

#[test]
fn assignment_forms() {
    assert_eq!(
        ok("$a = @(); $a += 1; $a += 2, 3; $a.Count; $a[-1]"),
        "3\n3\n"
    );
    assert_eq!(
        ok("$n = 5; $n += 2; $n -= 1; $n *= 3; $n /= 2; $n %= 4; $n"),
        "1\n"
    );
    assert_eq!(ok("$s = 'a'; $s += 'b'; $s += 1; $s"), "ab1\n");
    assert_eq!(ok("$u += 1; $u"), "1\n");
    // hashtables and objects
    assert_eq!(
        ok("$h = @{}; $h.Name = 'x'; $h['Mail'] = 'y'; $h.Count; $h.Name; $h['name']"),
        "2\nx\nx\n"
    );
    assert_eq!(ok("$h = @{a = @{b = 1}}; $h.a.b = 2; $h.a.b"), "2\n");
    assert_eq!(
        ok("$o = [pscustomobject]@{Name='a'}; $o.Name = 'b'; $o.Name"),
        "b\n"
    );
    assert_eq!(ok("$l = 1, 2, 3; $l[1] = 'two'; $l -join ','"), "1,two,3\n");
    assert_eq!(
        ok("$l = @([pscustomobject]@{N=1}); $l[0].N = 5; $l[0].N"),
        "5\n"
    );
    let (_, errs) = run("$o = [pscustomobject]@{Name='a'}; $o.Nope = 1");
    assert!(
        errs[0].starts_with("The property 'Nope' cannot be found"),
        "{errs:?}"
    );
    let (_, errs) = run("$l = 1, 2; $l[5] = 0");
    assert!(
        errs[0].starts_with("Index was outside the bounds"),
        "{errs:?}"
    );
    // typed variables keep their type
    assert_eq!(ok("[int]$n = '5'; $n + 1; $n = '7'; $n + 1"), "6\n8\n");
    let (_, errs) = run("[int]$n = 1; $n = 'x'");
    assert!(
        errs[0].starts_with("Cannot convert value \"x\" to type \"System.Int32\""),
        "{errs:?}"
    );
    // several at once, $null discards, chained
    assert_eq!(ok("$a, $b, $c = 1, 2, 3, 4; $a; $c -join '+'"), "1\n3+4\n");
    assert_eq!(ok("$null = 'gone'; $x = $y = 4; $x + $y"), "8\n");
    // ++ and -- print nothing as statements
    assert_eq!(ok("$i = 1; $i++; ++$i; $i; $j = $i++; $j; $i"), "3\n3\n4\n");
    assert_eq!(ok("$h = @{n = 1}; $h.n++; $h.n"), "2\n");
    let (_, errs) = run("$true = 1");
    assert!(errs[0].contains("read-only"), "{errs:?}");
    // method calls on a parent's variable change it there
    assert_eq!(ok("$list = New-Object System.Collections.ArrayList\nfunction Add-One { [void]$list.Add(1) }\nAdd-One; Add-One\n$list.Count"), "2\n");
    assert_eq!(
        ok("$h = @{}; $h.Add('k', 1); $h.ContainsKey('K'); $h.Remove('k'); $h.Count"),
        "True\n0\n"
    );
}

#[test]
fn splatting() {
    let r = run_full("$p = @{ Name = 'Jo'; ExternalEmailAddress = 'jo@example.com' }\nNew-MailContact @p\n$q = @{ Identity = 'Jo'; DisplayName = 'Jo J' }\nSet-MailContact @q");
    let c = r.state.mail_contacts.first().expect("contact created");
    assert_eq!(c.name, "Jo");
    assert_eq!(c.display_name.as_deref(), Some("Jo J"));
    assert_eq!(
        ok("function F($a, $b) { \"$a/$b\" }\n$arr = 'x', 'y'\nF @arr\n$h = @{ b = 2 }\nF 1 @h"),
        "x/y\n1/2\n"
    );
    assert_eq!(
        ok("$w = @{ Object = 'hi' }\n$a = @('one')\nWrite-Output @a"),
        "one\n"
    );
    let r = run_full("$p = @{ Name = 'A'; ExternalEmailAddress = 'a@example.com'; WhatIf = $true }\nNew-MailContact @p");
    assert!(r.state.mail_contacts.is_empty());
    assert!(r.out.starts_with("What if:"), "{}", r.out);
}

#[test]
fn operators() {
    assert_eq!(
        ok("'Jo@Contoso.com' -like '*@contoso.com'; 'x' -notlike 'x*'; 'abc' -clike 'A*'"),
        "True\nFalse\nFalse\n"
    );
    assert_eq!(
        ok("if ('CN=Jo Smith,O=X' -match '^CN=(?<cn>[^,]+)') { $Matches.cn; $Matches[0] }"),
        "Jo Smith\nCN=Jo Smith\n"
    );
    assert_eq!(
        ok("'abc' -notmatch 'z'; 'ABC' -cmatch 'abc'"),
        "True\nFalse\n"
    );
    assert_eq!(
        ok("'jo@contoso.com' -replace '@.*$', '@fabrikam.com'"),
        "jo@fabrikam.com\n"
    );
    assert_eq!(
        ok("'Smith, Jo' -replace '(\\w+), (\\w+)', '$2 $1'"),
        "Jo Smith\n"
    );
    assert_eq!(
        ok("'a b  c' -split '\\s+' | % { \"[$_]\" }"),
        "[a]\n[b]\n[c]\n"
    );
    assert_eq!(
        ok("(-split ' a b ').Count; 1, 2, 3 -join '-'; -join ('x', 'y')"),
        "2\n1-2-3\nxy\n"
    );
    assert_eq!(
        ok("'{0} has {1:N0} items ({2:P0})' -f 'list', 1234, 0.25"),
        "list has 1,234 items (25 %)\n"
    );
    assert_eq!(
        ok("5 -gt 3; 5 -ge 5; 2 -lt 1; 'b' -le 'a'"),
        "True\nTrue\nFalse\nFalse\n"
    );
    assert_eq!(
        ok("(1, 2, 3, 4 -gt 2) -join ','; (1, 2, 2 -eq 2).Count"),
        "3,4\n2\n"
    );
    assert_eq!(ok("'a' -is [string]; 1 -is [string]; 1 -isnot [string]; @() -is [array]; ('5' -as [int]) + 1; 'x' -as [int]"), "True\nFalse\nTrue\nTrue\n6\n");
    assert_eq!(ok("$true -xor $false; $true -xor $true"), "True\nFalse\n");
    assert_eq!(
        ok("7 / 2; 8 / 2; 7 % 3; 2 + 3 * 4; '3' + 4; 3 + '4'; 'ab' * 3"),
        "3.5\n4\n1\n14\n34\n7\nababab\n"
    );
    assert_eq!(
        ok("(1..5) -join ','; (3..1) -join ','; (1..3).Count"),
        "1,2,3,4,5\n3,2,1\n3\n"
    );
    assert_eq!(
        ok("1, 2 -contains 2; 3 -in 1, 2; 'A' -in 'a', 'b'; 'A' -cin 'a'"),
        "True\nFalse\nTrue\nFalse\n"
    );
    assert_eq!(
        ok("'ABC' -eq 'abc'; 'ABC' -ceq 'abc'; 'ABC' -ieq 'abc'"),
        "True\nFalse\nTrue\n"
    );
    // -and / -or short-circuit: the right side is not evaluated
    assert_eq!(
        ok("$false -and (Get-Nope); $true -or (Get-Nope)"),
        "False\nTrue\n"
    );
    assert_eq!(ok("-not $true; !0; -(5)"), "False\nTrue\n-5\n");
    assert_eq!(
        ok("$a = 1..10; $a[2..4] -join ','; $a[0, -1] -join ','"),
        "3,4,5\n1,10\n"
    );
    assert_eq!(ok("0x10 + 1KB"), "1040\n");
    let (_, errs) = run("1 / 0");
    assert_eq!(errs, ["Attempted to divide by zero."]);
    let (_, errs) = run("'x' -match '('");
    assert!(
        errs[0].starts_with("The regular expression pattern ( is not valid"),
        "{errs:?}"
    );
    let (_, errs) = run("1..100000000");
    assert!(errs[0].contains("too large"), "{errs:?}");
}

#[test]
fn statements_as_hashtable_values() {
    assert_eq!(
        ok("$a = $false\n$h = @{ Kind = if ($a) { 'x' } else { 'y' }; All = foreach ($i in 1..3) { $i } }\n$h.Kind\n$h.All.Count"),
        "y\n3\n"
    );
}

#[test]
fn pscustomobject_casts() {
    let out = ok("$o = [pscustomobject]@{ Name = 'jo'; Email = 'jo@example.com' }\n$o.Email\n$o.GetType().Name\n\"$o\"");
    assert_eq!(
        out,
        "jo@example.com\nPSCustomObject\n@{Name=jo; Email=jo@example.com}\n"
    );
    let out = ok("[pscustomobject]@{ Name = 'jo'; Email = 'x' }");
    assert!(
        out.contains("Name") && out.contains("Email") && out.contains("jo"),
        "{out}"
    );
    assert_eq!(
        ok("$h = [ordered]@{ b = 1; a = 2 }; $h.Keys -join ','"),
        "b,a\n"
    );
    let (_, errs) = run("@{ a = 1; A = 2 }");
    assert_eq!(
        errs,
        ["Duplicate keys 'A' are not allowed in hash literals."]
    );
}

// ----- the binder: pipeline input -----

#[test]
fn piped_records_bind_by_property_name() {
    let r = run_full("$rows = [pscustomobject]@{ Name = 'ann'; ExternalEmailAddress = 'ann@partner.com'; Note = 'x' }, [pscustomobject]@{ Name = 'bob'; ExternalEmailAddress = 'bob@partner.com' }\n$rows | New-MailContact");
    let names: Vec<&str> = r
        .state
        .mail_contacts
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["ann", "bob"]);
    assert_eq!(
        r.state.mail_contacts[1].external_email_address,
        "SMTP:bob@partner.com".replace(
            "SMTP:",
            &r.state.mail_contacts[1].external_email_address
                [..r.state.mail_contacts[1].external_email_address.len() - "bob@partner.com".len()]
        )
    );
    // a hashtable binds the same way; parameters given explicitly win
    let r = run_full("@{ Name = 'cy'; ExternalEmailAddress = 'cy@partner.com' } | New-MailContact -DisplayName 'Cy C'");
    assert_eq!(
        r.state.mail_contacts[0].display_name.as_deref(),
        Some("Cy C")
    );
    // a row without a mandatory column: that object fails, the others run
    let r = run_full("[pscustomobject]@{ Name = 'x' }, [pscustomobject]@{ Name = 'y'; ExternalEmailAddress = 'y@p.com' } | New-MailContact");
    assert_eq!(r.state.mail_contacts.len(), 1);
    assert_eq!(r.errors.len(), 1);
    assert!(
        r.errors[0]
            .message
            .contains("missing mandatory parameters: ExternalEmailAddress"),
        "{:?}",
        r.errors
    );
}

#[test]
fn piped_cmdlet_objects_bind_only_their_identity() {
    let r = run_full("New-MailContact -Name jo -ExternalEmailAddress jo@partner.com\nGet-MailContact jo | Set-MailContact -DisplayName 'Jo J'");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let c = &r.state.mail_contacts[0];
    assert_eq!(c.display_name.as_deref(), Some("Jo J"));
    assert_eq!(c.alias.as_deref(), Some("jo"));
    // piping into a command that already has -Identity is an error for that object
    let r = run_full("New-MailContact -Name jo -ExternalEmailAddress jo@partner.com\nGet-MailContact jo | Set-MailContact -Identity jo -DisplayName x");
    assert_eq!(r.errors.len(), 1);
    assert!(
        r.errors[0]
            .message
            .starts_with("The input object cannot be bound"),
        "{:?}",
        r.errors
    );
    // an object given as the identity stands for itself
    let r = run_full("$null = New-MailContact -Name jo -ExternalEmailAddress jo@partner.com\n$c = Get-MailContact jo\nSet-MailContact $c -DisplayName 'Via Object'\nGet-MailContact | ForEach-Object { Set-MailContact -Identity $_ -FirstName Jo }");
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(
        r.state.mail_contacts[0].display_name.as_deref(),
        Some("Via Object")
    );
    // strings bind to -Identity by value
    let r = run_full("New-MailContact -Name jo -ExternalEmailAddress jo@partner.com\n'jo' | Set-MailContact -DisplayName 'By Value'");
    assert_eq!(
        r.state.mail_contacts[0].display_name.as_deref(),
        Some("By Value")
    );
}

// ----- admin script patterns -----

#[test]
fn csv_import_pattern_with_foreach_object() {
    let src = r#"
$contacts = @(
    [pscustomobject]@{ Name = 'Partner One'; Email = 'one@partner.com' }
    [pscustomobject]@{ Name = 'Partner Two'; Email = 'two@partner.com' }
)
$contacts | ForEach-Object { New-MailContact -Name $_.Name -ExternalEmailAddress $_.Email }
(Get-MailContact).Count
"#;
    let r = run_full(src);
    assert_eq!(r.state.mail_contacts.len(), 2, "{:?}", r.errors);
    assert_eq!(r.state.mail_contacts[1].name, "Partner Two");
}

#[test]
fn bulk_script_with_error_handling_and_a_report() {
    let src = r#"
function Add-Partner {
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [ValidatePattern('@')] [string] $Email
    )
    $null = New-MailContact -Name $Name -ExternalEmailAddress $Email -ErrorAction Stop
}

$rows = @(
    @{ Name = 'a'; Email = 'a@p.com' },
    @{ Name = 'b'; Email = 'b@p.com' },
    @{ Name = 'a'; Email = 'a2@p.com' },
    @{ Name = 'c'; Email = 'not-an-address' }
)
$ok = 0
$failed = @()
foreach ($row in $rows) {
    try {
        Add-Partner -Name $row.Name -Email $row.Email
        $ok++
    }
    catch {
        $failed += [pscustomobject]@{ Name = $row.Name; Error = $_.Exception.Message }
    }
}
"created {0}, failed {1}" -f $ok, $failed.Count
$lines = $failed | ForEach-Object { "$($_.Name): $($_.Error -replace '\s+', ' ')" }
$failed[0].Name
$failed[1].Error -like '*does not match*'
"#;
    let r = run_full(src);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(r.out.starts_with("created 2, failed 2\n"), "{}", r.out);
    assert!(r.out.ends_with("a\nTrue\n"), "{}", r.out);
    assert_eq!(r.state.mail_contacts.len(), 2);
}

#[test]
fn exit_codes() {
    let r = run_full("'a'\nexit 3\n'b'");
    assert_eq!(r.out, "a\n");
    assert_eq!(r.exit_code, Some(3));
    assert!(r.had_error);
    let r = run_full("exit");
    assert_eq!(r.exit_code, Some(0));
    assert!(!r.had_error);
}

#[test]
fn script_param_block_uses_defaults_and_arguments() {
    let src = "param([string]$Domain = 'contoso.com', [int]$Count = 2)\n\"$Domain x$Count\"";
    assert_eq!(ok(src), "contoso.com x2\n");
    let mut state = DesiredState::default();
    let live = LiveState::default();
    let mut out = Vec::new();
    {
        let mut ev = Evaluator::new(&mut state, &live, "test".into(), PathBuf::from("."));
        ev.set_script_args(vec!["-Count".into(), "5".into(), "fabrikam.com".into()]);
        let mut report = |e: &RuntimeError| panic!("{}", e.message);
        let mut warn = |_: &str| {};
        let mut io = Io::new(&mut out, &mut report, &mut warn, None);
        ev.run(&parse_script(src).unwrap(), &mut io).unwrap();
    }
    assert_eq!(String::from_utf8_lossy(&out), "fabrikam.com x5\n");
}

#[test]
fn errors_have_spans_and_help() {
    for src in [
        "$x.Nope()",
        "1 + @{}",
        "[int]'x'",
        "$null.Foo()",
        "'a' -f",
        "throw 'x'",
        "function F([Parameter(Mandatory)]$a) {}; F",
        "Get-Nope",
        "$h = @{}; $h.Add('a', 1); $h.Add('a', 2)",
        "1 | ForEach-Object -Nope",
        "1 / 0",
        "$a = 1, 2; $a[9] = 0",
        "'x' -match '('",
        "& 42",
        "function F($a, $a2) { }; F -a",
        "[int]$n = 1; $n = 'x'",
    ] {
        let Ok(script) = parse_script(src) else {
            continue;
        };
        let r = run_full(src);
        let all: Vec<RuntimeError> = r.errors.into_iter().chain(r.terminating).collect();
        assert!(!all.is_empty(), "{src}: expected an error");
        for e in all {
            assert!(e.span.end > e.span.start, "{src}: empty span {:?}", e);
            assert!(e.span.end <= src.len(), "{src}: span past the end {:?}", e);
            assert!(!e.message.is_empty());
            // a thrown error is the script's own message; every other one says what to do
            assert!(
                e.help.is_some() || e.category == Some("OperationStopped"),
                "{src}: no help in {e:?}"
            );
        }
        let _ = script;
    }
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Pieces of scripts without loops (so every run ends): whatever parses must run to an
    /// outcome (output, errors) without a panic.
    fn soup() -> impl Strategy<Value = String> {
        let pieces = prop::sample::select(vec![
            "$x",
            "$y",
            "$_",
            "$h",
            "$a",
            " = ",
            " += ",
            "++",
            "1",
            "2",
            "'a'",
            "\"s $x\"",
            " + ",
            " - ",
            " * ",
            " / ",
            " % ",
            " -eq ",
            " -like ",
            " -match ",
            " -replace ",
            " -split ",
            " -join ",
            " -f ",
            " -is ",
            " -and ",
            " -not ",
            " .. ",
            " | ",
            " % ",
            " ? ",
            "{ ",
            " }",
            "(",
            ")",
            "@(",
            "@{a=1}",
            "[int]",
            "[string]",
            "[pscustomobject]",
            "@{Name='n'}",
            "function f ",
            "f ",
            "param($p) ",
            "$p",
            "throw ",
            "try ",
            "catch ",
            "finally ",
            "if ",
            "else ",
            "switch ",
            "default ",
            "return ",
            "break ",
            "continue ",
            "; ",
            "\n",
            ", ",
            ".Name",
            ".Count",
            "[0]",
            "['k']",
            "& ",
            ". ",
            "$null",
            "$true",
            "New-MailContact -Name c -ExternalEmailAddress c@example.com ",
            "Get-MailContact ",
            "Set-MailContact ",
            "-WhatIf ",
            "-ErrorAction Stop ",
            "Write-Output ",
            "ForEach-Object ",
            "Where-Object ",
            "Sort-Object ",
            "@x ",
            "$ErrorActionPreference = 'Stop'\n",
            "exit ",
        ]);
        prop::collection::vec(pieces, 1..12).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

        #[test]
        fn scripts_that_parse_run_without_panicking(src in soup()) {
            if parse_script(&src).is_ok() {
                let r = run_full(&src);
                for e in r.errors.iter().chain(r.terminating.iter()) {
                    prop_assert!(!e.message.is_empty());
                    prop_assert!(e.span.end <= src.len(), "{:?} in {:?}", e, src);
                }
            }
        }
    }
}

#[test]
fn idempotent_creation_pattern() {
    let src = r#"
$wanted = @(
    @{ Name = 'ann'; ExternalEmailAddress = 'ann@partner.com' }
    @{ Name = 'bob'; ExternalEmailAddress = 'bob@partner.com' }
)
foreach ($c in $wanted) {
    if (-not (Get-MailContact $c.Name -ErrorAction SilentlyContinue)) {
        $null = New-MailContact @c
        Write-Host "created $($c.Name)"
    } else {
        Write-Host "kept $($c.Name)"
    }
}
"#;
    // the second run of the loop body sees the first run's contact
    let twice = format!("{src}\n{src}");
    let r = run_full(&twice);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.out, "created ann\ncreated bob\nkept ann\nkept bob\n");
    assert_eq!(r.state.mail_contacts.len(), 2);
    assert!(!r.had_error);
}

#[test]
fn classify_and_report_pattern() {
    let src = r#"
$partners = 'a@contoso.com', 'b@fabrikam.com', 'c@contoso.com', 'bad'
$byDomain = @{}
foreach ($addr in $partners) {
    $kind = switch -Wildcard ($addr) {
        '*@contoso.com' { 'contoso'; break }
        '*@*' { 'other' }
        default { 'invalid' }
    }
    if (-not $byDomain.ContainsKey($kind)) { $byDomain[$kind] = @() }
    $byDomain[$kind] += $addr
}
foreach ($k in $byDomain.Keys | Sort-Object { $_ }) {
    '{0,-8} {1}' -f $k, ($byDomain[$k] -join ';')
}
"#;
    assert_eq!(
        ok(src),
        "contoso  a@contoso.com;c@contoso.com\ninvalid  bad\nother    b@fabrikam.com\n"
    );
}

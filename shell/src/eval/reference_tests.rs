//! Tests: arrays, ArrayLists and hashtables are reference types, as in PowerShell — every variable,
//! parameter and element that holds one holds the same object.

use super::tests::{ok, run};

#[test]
fn a_function_fills_the_list_it_was_given() {
    let src = "function f($l) { [void]$l.Add(1) }\n$a = New-Object System.Collections.ArrayList\nf $a\nf $a\n$a.Count";
    assert_eq!(ok(src), "2\n");
    let typed = "function f([System.Collections.ArrayList]$l) { [void]$l.Add(1) }\n$a = [System.Collections.ArrayList]@()\nf -l $a\n$a.Count";
    assert_eq!(ok(typed), "1\n");
}

#[test]
fn assignment_shares_a_list_and_a_hashtable() {
    let list = "$a = New-Object System.Collections.ArrayList\n[void]$a.Add(1)\n$b = $a\n[void]$b.Add(2)\n$a.Count\n$b.Count";
    assert_eq!(ok(list), "2\n2\n");
    let table = "$h = @{ x = 1 }\n$g = $h\n$g.y = 2\n$g['z'] = 3\n$h.Count\n$h.Add('w', 4)\n$g.Count\n$g.Remove('x')\n$h.Keys -join ','";
    assert_eq!(ok(table), "3\n4\ny,z,w\n");
    let array = "$a = 1, 2\n$b = $a\n$b[0] = 9\n$a[0]";
    assert_eq!(ok(array), "9\n");
}

#[test]
fn plus_equals_and_clone_make_new_objects() {
    let src = "$a = 1, 2\n$b = $a\n$b += 3\n$a.Count\n$b.Count\n$h = @{ x = 1 }\n$c = $h.Clone()\n$c.y = 2\n$h.Count\n$l = [System.Collections.ArrayList]@(1)\n$m = $l.Clone()\n[void]$m.Add(2)\n$l.Count\n$l += 5\n$l.GetType().Name";
    assert_eq!(ok(src), "2\n3\n1\n1\nObject[]\n");
}

#[test]
fn nested_lists_and_pipeline_items_are_the_same_objects() {
    let nested = "$h = @{ list = New-Object System.Collections.ArrayList }\n[void]$h.list.Add(5)\n[void]$h['list'].Add(6)\n$h.list.Count";
    assert_eq!(ok(nested), "2\n");
    let piped = "$rows = @(@{ a = 1 }, @{ a = 2 })\n$rows | ForEach-Object { $_.a = 0 }\n$rows[0].a + $rows[1].a";
    assert_eq!(ok(piped), "0\n");
    let looped =
        "$rows = @(@{ a = 1 }, @{ a = 2 })\nforeach ($r in $rows) { $r.a = 7 }\n$rows[1].a";
    assert_eq!(ok(looped), "7\n");
}

#[test]
fn list_types_are_told_apart() {
    let src = "$l = [System.Collections.ArrayList]@()\n$l.Add('x')\n$l.GetType().Name\n$l -is [array]\n$l -is [System.Collections.ArrayList]\n(1, 2) -is [array]\n$l.Contains('x')\n$l.IndexOf('x')\n$l.Remove('x')\n$l.Count";
    assert_eq!(ok(src), "0\nArrayList\nFalse\nTrue\nTrue\nTrue\n0\n0\n");
}

#[test]
fn a_plain_array_does_not_grow() {
    let (_, errs) = run("$a = @(1)\n$a.Add(2)\n$a.Count");
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains("Collection was of a fixed size"),
        "{errs:?}"
    );
}

#[test]
fn a_list_that_holds_itself_neither_hangs_nor_crashes() {
    let src = "$l = New-Object System.Collections.ArrayList\n[void]$l.Add($l)\n[void]$l.Add(1)\n$l.Count\n\"$l\".Length -gt 0\n$l | ConvertTo-Json -Depth 3 -Compress | Out-Null\n$l -contains 1\n$h = @{}\n$h.self = $h\n$h.Count\n$x = $h -eq $h\n'done'";
    let (out, _) = run(src);
    assert!(out.starts_with("2\nTrue\n"), "{out}");
    assert!(out.ends_with("done\n"), "{out}");
}

#[test]
fn objects_are_shared_too() {
    let src = "$o = [pscustomobject]@{ n = 1 }\n$p = $o\n$p.n = 2\n$o.n\n$rows = @($o)\n$rows[0].n = 3\n$o.n\nfunction Set-N($x) { $x.n = 4 }\nSet-N $o\n$p.n";
    assert_eq!(ok(src), "2\n3\n4\n");
    let piped = "$rows = @([pscustomobject]@{ done = $false }, [pscustomobject]@{ done = $false })\n$rows | ForEach-Object { $_.done = $true }\n($rows | Where-Object done).Count";
    assert_eq!(ok(piped), "2\n");
}

#[test]
fn an_object_that_holds_itself_neither_hangs_nor_crashes() {
    let src = "$o = [pscustomobject]@{ self = $null; n = 1 }\n$o.self = $o\n\"$o\".Length -gt 0\n$o | ConvertTo-Json -Depth 5 -Compress | Out-Null\n$o | Format-List | Out-Null\n$o | Format-Table | Out-Null\n'done'";
    let (out, _) = run(src);
    assert!(out.starts_with("True\n"), "{out}");
    assert!(out.ends_with("done\n"), "{out}");
}

#[test]
fn an_assignment_target_is_evaluated_once() {
    let src = "$a = @(@{ x = 0 }, @{ x = 0 })\n$i = 0\n$a[$i++].x = 1\n$i\n$a[0].x\n$a[1].x\n$h = @{ inner = @{} }\n$h.inner.k = 'v'\n$h['inner']['k2'] = 'w'\n$h.inner.Count";
    assert_eq!(ok(src), "1\n1\n0\n2\n");
}

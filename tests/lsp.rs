//! The language server, in process: a client talks to `lq::lsp::run` over
//! `lsp_server::Connection::memory()` and checks the exact answers to every
//! request the server offers, on the example policies and on broken ones.
#![cfg(feature = "lsp")]

mod lsp_client;

use lsp_client::{Client, POLICY};
use serde_json::{json, Value};

fn labels(items: &Value) -> Vec<String> {
    items
        .as_array()
        .map(|a| {
            a.iter()
                .map(|i| i["label"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn diagnostics_are_published_on_open_and_on_every_change() {
    let mut c = Client::start(false);
    let clean = c.open("inbound.lq", POLICY);
    assert_eq!(
        clean["diagnostics"],
        json!([]),
        "the example checks cleanly"
    );
    assert_eq!(clean["version"], 1);

    let typo = POLICY.replace("when budget >= 5k", "when budgte >= 5k");
    let d = c.change("inbound.lq", 2, &typo);
    assert_eq!(d["version"], 2);
    let diags = d["diagnostics"].as_array().expect("a list");
    assert_eq!(diags.len(), 1, "{d}");
    assert_eq!(diags[0]["code"], "lq::unknown_name");
    assert_eq!(diags[0]["severity"], 1);
    assert_eq!(
        diags[0]["message"],
        "unknown name `budgte`\nhelp: did you mean `budget`?"
    );
    let line = typo
        .lines()
        .position(|l| l.contains("budgte"))
        .expect("there");
    assert_eq!(
        diags[0]["range"],
        json!({"start": {"line": line, "character": 5}, "end": {"line": line, "character": 11}})
    );

    // Several syntax errors and a name error, all in one publication;
    // a warning is published as a warning.
    let broken = "schema { id: int key  n: int }\ntiers A > B\nlet x = n > 1 &&\nwhen n >> 2 then tier A\nwhen m > 1 then tier B\n";
    let d = c.change("inbound.lq", 3, broken);
    let codes: Vec<&str> = d["diagnostics"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|d| d["code"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(codes, ["lq::syntax", "lq::syntax", "lq::unknown_name"]);

    let warned = "schema { id: int key  n: int }\ntiers A > B\nwhen n > 1 then tier A\n";
    let d = c.change("inbound.lq", 4, warned);
    let diags = d["diagnostics"].as_array().expect("a list");
    assert_eq!(diags.len(), 2, "{d}");
    assert_eq!(diags[0]["code"], "lq::unused_tier");
    assert_eq!(diags[0]["severity"], 2);
    assert_eq!(diags[1]["code"], "lq::falls_through");

    // An edit sent as a range (as editors send keystrokes): `budgte`
    // fixed in place, on top of the version before.
    c.change("inbound.lq", 5, &typo);
    let line = typo
        .lines()
        .position(|l| l.contains("budgte"))
        .expect("there");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": lsp_client::uri("inbound.lq"), "version": 6},
               "contentChanges": [{"range": {"start": {"line": line, "character": 5},
                                             "end": {"line": line, "character": 11}},
                                   "text": "budget"}]}),
    );
    let d = c.diagnostics_of("inbound.lq");
    assert_eq!(
        (d["version"].clone(), d["diagnostics"].clone()),
        (json!(6), json!([]))
    );
    let formatted = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": lsp_client::uri("inbound.lq")}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(
        formatted,
        json!([]),
        "the text is the example again, formatted"
    );

    // Closing clears them.
    let d = c.close("inbound.lq");
    assert_eq!(d["diagnostics"], json!([]));
    c.shutdown();
}

#[test]
fn completion_knows_the_schema_and_the_expected_type() {
    let mut c = Client::start(false);
    let text = format!("{POLICY}\nwhen role = \nwhen role in [VP, \nwhen industry != \nrule x: when budget > 1 then tier \ntest \"t\" {{ given  }}\nwhen budg\n");
    c.open("p.lq", &text);
    let at = |needle: &str| lsp_client::end_of(&text, needle);
    let role = [
        "CEO", "CFO", "CTO", "Director", "Engineer", "Manager", "Other", "Student", "VP",
    ];
    assert_eq!(labels(&c.complete("p.lq", at("when role = "))), role);
    assert_eq!(labels(&c.complete("p.lq", at("when role in [VP, "))), role);
    assert_eq!(
        labels(&c.complete("p.lq", at("when industry != "))),
        [
            "Education",
            "Fintech",
            "Government",
            "Healthcare",
            "Manufacturing",
            "Other",
            "Retail",
            "SaaS"
        ]
    );
    assert_eq!(
        labels(&c.complete("p.lq", at("then tier "))),
        ["A", "B", "C"]
    );
    assert_eq!(labels(&c.complete("p.lq", at("given "))), ["kim"]);
    let budget = c.complete("p.lq", at("when budg"));
    assert_eq!(labels(&budget), ["budget"]);
    assert_eq!(budget[0]["detail"], "money?");
    assert_eq!(budget[0]["kind"], 5, "a field");
    // The replaced range is the word typed so far.
    let pos = at("when budg");
    assert_eq!(
        budget[0]["textEdit"]["range"]["start"]["character"],
        pos.1 - 4
    );

    // In the schema, after a field's colon: the types.
    let schema = "schema {\n  id: int key\n  role: \n}\nenum Role { A }\n";
    c.open("s.lq", schema);
    assert_eq!(
        labels(&c.complete("s.lq", lsp_client::end_of(schema, "role: "))),
        [
            "Role",
            "bool",
            "date",
            "int",
            "list of text",
            "money",
            "number",
            "text"
        ]
    );
    // An empty word in an expression: fields, lets, blocks, keywords and
    // functions.
    let all = labels(&c.complete("p.lq", at("when budg")).clone());
    assert_eq!(all.len(), 1);
    let general = labels(&c.complete("p.lq", (at("when budg").0, 5)));
    for want in [
        "budget",
        "executive",
        "fit",
        "engagement",
        "and",
        "days_since",
    ] {
        assert!(general.contains(&want.to_string()), "{want} in {general:?}");
    }
    // Routes used elsewhere, after `route`.
    let routed = format!("{POLICY}\nwhen visits > 1 then tier B, route ");
    c.change("p.lq", 2, &routed);
    assert_eq!(
        labels(&c.complete("p.lq", lsp_client::end_of(&routed, "tier B, route "))),
        ["\"enterprise-ae\""]
    );
    c.shutdown();
}

#[test]
fn hover_describes_fields_enums_lets_blocks_tiers_and_keywords() {
    let mut c = Client::start(false);
    c.open("p.lq", POLICY);
    let hover = |c: &mut Client, needle: &str, nth: usize| -> String {
        let pos = lsp_client::nth_start(POLICY, needle, nth);
        c.hover("p.lq", pos)["contents"]["value"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    let visits = hover(&mut c, "visits", 2);
    assert!(
        visits.contains("Field `visits`: `int`, required, read from column `Total Visits`."),
        "{visits}"
    );
    assert!(visits.contains("Missing when: an empty cell."), "{visits}");
    let budget = hover(&mut c, "budget >= 10k", 0);
    assert!(budget.contains("`money`, optional"), "{budget}");
    let role = hover(&mut c, "Role", 1);
    assert!(role.starts_with("enum `Role`\n- `CEO`\n- `CTO`"), "{role}");
    let vp = hover(&mut c, "VP]", 0);
    assert!(vp.starts_with("variant `VP` of enum `Role`"), "{vp}");
    let exec = hover(&mut c, "executive", 1);
    assert_eq!(
        exec,
        "```lq\nlet executive = role in [CEO, CTO, CFO, VP]\n```\n\nType: `bool`"
    );
    let block = hover(&mut c, "engagement", 0);
    assert!(
        block.starts_with("score block `engagement`: up to 30, 3 entries"),
        "{block}"
    );
    let tier = hover(&mut c, "tier B", 0);
    assert!(tier.is_empty() || tier.contains("`tier T`"), "{tier}");
    let b = hover(&mut c, "B\n", 0);
    assert_eq!(b, "tier `B`: 2nd of 3 (`tiers A > B > C`)");
    let kw = hover(&mut c, "otherwise", 0);
    assert_eq!(
        kw,
        "`otherwise tier T` — the fallback rule; it must be last."
    );
    // Nothing in a comment or past the end.
    assert_eq!(c.hover("p.lq", (0, 3)), Value::Null);
    assert_eq!(c.hover("p.lq", (9999, 0)), Value::Null);
    c.shutdown();
}

#[test]
fn definitions_references_and_rename() {
    let mut c = Client::start(false);
    c.open("p.lq", POLICY);
    let use_of = lsp_client::nth_start(POLICY, "executive", 1);
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": lsp_client::uri("p.lq")}, "position": lsp_client::pos(use_of)}),
    );
    let decl = lsp_client::nth_start(POLICY, "executive", 0);
    assert_eq!(def["range"]["start"], lsp_client::pos(decl));

    let refs = |c: &mut Client, needle: &str, nth: usize| -> usize {
        let p = lsp_client::nth_start(POLICY, needle, nth);
        c.request(
            "textDocument/references",
            json!({"textDocument": {"uri": lsp_client::uri("p.lq")}, "position": lsp_client::pos(p),
                   "context": {"includeDeclaration": true}}),
        )
        .as_array()
        .map_or(0, Vec::len)
    };
    assert_eq!(refs(&mut c, "executive", 0), 2);
    assert_eq!(
        refs(&mut c, "VP", 0),
        5,
        "the variant: declaration, 3 uses, a lead"
    );
    assert_eq!(refs(&mut c, "Role", 0), 2);
    assert_eq!(refs(&mut c, "engagement", 0), 3);
    assert_eq!(refs(&mut c, "kim", 0), 5);

    // Rename a let: every occurrence.
    let edits = c.rename("p.lq", decl, "senior");
    let changes = &edits["changes"][lsp_client::uri("p.lq")];
    assert_eq!(changes.as_array().map(Vec::len), Some(2));
    assert!(changes
        .as_array()
        .into_iter()
        .flatten()
        .all(|e| e["newText"] == "senior"));
    // Rename a field with no `from`: it keeps reading its column.
    let budget = lsp_client::nth_start(POLICY, "budget", 0);
    let edits = c.rename("p.lq", budget, "budget_usd");
    let texts: Vec<&str> = edits["changes"][lsp_client::uri("p.lq")]
        .as_array()
        .expect("edits")
        .iter()
        .map(|e| e["newText"].as_str().unwrap_or(""))
        .collect();
    assert!(texts.contains(&" from \"budget\""), "{texts:?}");
    // A clash, a keyword and a non-name are refused.
    for (name, message) in [
        ("icp_size", "a let is already called `icp_size`"),
        ("when", "`when` is not a name"),
        ("2x", "`2x` is not a name"),
    ] {
        let e = c.request_error(
            "textDocument/rename",
            json!({"textDocument": {"uri": lsp_client::uri("p.lq")}, "position": lsp_client::pos(decl), "newName": name}),
        );
        assert!(
            e["message"].as_str().unwrap_or("").starts_with(message),
            "{e}"
        );
    }
    let prepared = c.request(
        "textDocument/prepareRename",
        json!({"textDocument": {"uri": lsp_client::uri("p.lq")}, "position": lsp_client::pos(decl)}),
    );
    assert_eq!(prepared["placeholder"], "executive");
    c.shutdown();
}

#[test]
fn outline_folding_and_formatting() {
    let mut c = Client::start(false);
    c.open("p.lq", POLICY);
    let uri = lsp_client::uri("p.lq");
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .expect("symbols")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        &names[..14],
        [
            "inbound-saas",
            "Role",
            "Industry",
            "schema",
            "tiers",
            "executive",
            "icp_size",
            "disqualify: student",
            "disqualify: export restrictions",
            "score fit",
            "score engagement",
            "enterprise",
            "hot",
            "rule (line 42)"
        ]
    );
    assert_eq!(symbols[3]["children"].as_array().map(Vec::len), Some(10));
    let folds = c.request(
        "textDocument/foldingRange",
        json!({"textDocument": {"uri": uri}}),
    );
    let schema = folds
        .as_array()
        .expect("folds")
        .iter()
        .find(|f| f["startLine"] == 6)
        .expect("the schema folds");
    assert_eq!(schema["endLine"], 17);

    // Formatting gives lq fmt's text; a policy with a syntax error is refused.
    let messy = "schema {id: int key\n n:int}\ntiers A\nwhen n>1 then tier A\n";
    c.open("m.lq", messy);
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": lsp_client::uri("m.lq")}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = lq::fmt::format(messy).expect("formats").text;
    assert_eq!(edits[0]["newText"], formatted.as_str());
    c.change("m.lq", 2, &formatted);
    let none = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": lsp_client::uri("m.lq")}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(none, json!([]));
    c.change("m.lq", 3, "tiers A\nwhen && then tier A\n");
    let e = c.request_error(
        "textDocument/formatting",
        json!({"textDocument": {"uri": lsp_client::uri("m.lq")}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap_or("")
            .contains("syntax errors"),
        "{e}"
    );
    c.shutdown();
}

#[test]
fn quick_fixes_apply_what_the_diagnostic_says() {
    let mut c = Client::start(false);
    let cases = [
        (
            POLICY.replace("when budget >= 5k", "when budgte >= 5k"),
            "budgte",
            "Change `budgte` to `budget`",
            "budget",
        ),
        (
            POLICY.replace("role = Student", "role = \"Student\""),
            "\"Student\"",
            "Write the variant `Student` without quotes",
            "Student",
        ),
        (
            POLICY.replace("country in [\"KP\"", "country in [KP"),
            "KP",
            "Quote it: \"KP\"",
            "\"KP\"",
        ),
        (
            POLICY.replace("demo_requested and visits", "demo_requested && visits"),
            "&&",
            "Write `and` for `&&`",
            "and",
        ),
    ];
    for (i, (text, at, title, new_text)) in cases.iter().enumerate() {
        let name = format!("f{i}.lq");
        c.open(&name, text);
        let start = lsp_client::nth_start(text, at, 0);
        let actions = c.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": lsp_client::uri(&name)},
                   "range": {"start": lsp_client::pos(start), "end": lsp_client::pos(start)},
                   "context": {"diagnostics": []}}),
        );
        assert_eq!(actions[0]["title"], *title, "{actions}");
        let edit = &actions[0]["edit"]["changes"][lsp_client::uri(&name)][0];
        assert_eq!(edit["newText"], *new_text);
        assert_eq!(edit["range"]["start"], lsp_client::pos(start));
        assert_eq!(actions[0]["isPreferred"], true);
    }
    // A policy with no `otherwise`: add one after the last rule.
    let text = "schema { id: int key  n: int }\ntiers A > B\nwhen n > 1 then tier A\n\nlead l { id: 1, n: 0 }\n";
    c.open("o.lq", text);
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": lsp_client::uri("o.lq")},
               "range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 5}},
               "context": {"diagnostics": []}}),
    );
    let titles: Vec<&str> = actions
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| a["title"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(titles, ["Add `otherwise tier B`"]);
    let edit = &actions[0]["edit"]["changes"][lsp_client::uri("o.lq")][0];
    assert_eq!(edit["newText"], "\notherwise tier B");
    assert_eq!(edit["range"]["start"], json!({"line": 2, "character": 22}));
    c.shutdown();
}

#[test]
fn code_lenses_run_the_tests() {
    let mut c = Client::start(false);
    let failing = POLICY.replace("expect engagement 30", "expect engagement 25");
    c.open("p.lq", &failing);
    let lenses = c.request(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": lsp_client::uri("p.lq")}}),
    );
    let titles: Vec<&str> = lenses
        .as_array()
        .expect("lenses")
        .iter()
        .map(|l| l["command"]["title"].as_str().unwrap_or(""))
        .collect();
    let tests = POLICY.matches("\ntest \"").count();
    assert_eq!(titles.len(), tests + 1);
    assert_eq!(
        titles[0],
        format!("▶ Run all {tests} tests: {} pass, 1 fail", tests - 1)
    );
    assert_eq!(titles[1], "✓ passes");
    assert_eq!(
        titles[2],
        "✗ fails: expected engagement 25, got engagement 30"
    );
    // Running one test answers with its result and shows a message.
    let result = c.request(
        "workspace/executeCommand",
        json!({"command": "lq.runTest", "arguments": [lsp_client::uri("p.lq"),
               "an engaged CTO without budget is hot: engagement is capped at 30"]}),
    );
    assert_eq!(result[0]["passed"], false);
    let shown = c.notification("window/showMessage");
    assert!(
        shown["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("✗ 1 of 1 failed"),
        "{shown}"
    );
    let all = c.request(
        "workspace/executeCommand",
        json!({"command": "lq.runTests", "arguments": [lsp_client::uri("p.lq")]}),
    );
    assert_eq!(all.as_array().map(Vec::len), Some(tests));
    c.shutdown();
}

#[test]
fn semantic_tokens_colour_by_meaning() {
    let mut c = Client::start(false);
    let text = "enum Role { VP }\nschema { id: int key  role: Role }\ntiers A+ > B\n# note\nrule r: when role = VP then tier A+\nwhen lower(\"x\") = \"x\" then tier B\n";
    c.open("t.lq", text);
    let tokens = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": lsp_client::uri("t.lq")}}),
    );
    let legend = lq::lsp::token_types();
    let decoded = lsp_client::decode_tokens(text, &tokens["data"], &legend);
    let want: Vec<(&str, &str)> = vec![
        ("enum", "keyword"),
        ("Role", "enum"),
        ("VP", "enumMember"),
        ("schema", "keyword"),
        ("id", "property"),
        ("int", "type"),
        ("key", "keyword"),
        ("role", "property"),
        ("Role", "enum"),
        ("tiers", "keyword"),
        ("A+", "class"),
        ("B", "class"),
        ("# note", "comment"),
        ("rule", "keyword"),
        ("r", "event"),
        ("when", "keyword"),
        ("role", "property"),
        ("VP", "enumMember"),
        ("then", "keyword"),
        ("tier", "keyword"),
        ("A+", "class"),
        ("when", "keyword"),
        ("lower", "function"),
        ("\"x\"", "string"),
        ("\"x\"", "string"),
        ("then", "keyword"),
        ("tier", "keyword"),
        ("B", "class"),
    ];
    let got: Vec<(&str, &str)> = decoded
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(got, want);
    c.shutdown();
}

#[test]
fn positions_are_utf16_unless_the_client_offers_utf8() {
    for utf8 in [false, true] {
        let mut c = Client::start(utf8);
        assert_eq!(c.encoding, if utf8 { "utf-8" } else { "utf-16" });
        let text = "schema { id: int key  n: int }\ntiers A\n# 😀 é\nwhen \"😀\" = \"é\" and nn > 1 then tier A\n";
        let d = c.open("u.lq", text);
        let range = &d["diagnostics"][0]["range"];
        // `nn` after 😀 (2 UTF-16 units, 4 bytes) and é (1 unit, 2 bytes).
        let character = if utf8 { 23 } else { 20 };
        assert_eq!(
            range["start"],
            json!({"line": 3, "character": character}),
            "{d}"
        );
        c.shutdown();
    }
}

#[test]
fn stale_and_odd_requests_get_sane_answers() {
    let mut c = Client::start(false);
    c.open("p.lq", POLICY);
    // Past the end of the text, on a line past the end, on a closed file.
    assert_eq!(c.hover("p.lq", (500, 500)), Value::Null);
    assert!(c.complete("p.lq", (500, 0)).is_array());
    let e = c.request_error(
        "textDocument/hover",
        json!({"textDocument": {"uri": lsp_client::uri("nope.lq")}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(e["code"], -32602);
    let e = c.request_error("lq/unknown", json!({}));
    assert_eq!(e["code"], -32601);
    // Binary and enormous text.
    let binary: String = (0u8..=255).map(char::from).cycle().take(5000).collect();
    let d = c.change("p.lq", 2, &binary);
    assert!(d["diagnostics"].as_array().is_some_and(|a| !a.is_empty()));
    let huge = "# x\n".repeat(3 << 20);
    let d = c.change("p.lq", 3, &huge);
    assert_eq!(d["diagnostics"][0]["code"], "lq::policy_too_large");
    assert!(c.complete("p.lq", (100, 2)).is_array());
    c.shutdown();
}

#[test]
fn enums_with_spellings_hover_and_rename_keeping_the_data_readable() {
    let mut c = Client::start(false);
    let text = "enum Source { Google (\"google\", \"Google Ads\"), Direct }\n\
                schema { id: int key  source: Source }\ntiers A > B\n\
                rule paid: when source = Google then tier A\n\
                when source in [Direct] then tier B\notherwise tier B\n\
                test \"t\" { given { id: 1, source: Direct } expect rule paid }\n";
    c.open("e.lq", text);
    let hover = c.hover("e.lq", lsp_client::nth_start(text, "Source", 0));
    assert_eq!(
        hover["contents"]["value"],
        "enum `Source`\n- `Google` — also \"google\", \"Google Ads\"\n- `Direct`"
    );
    let edits = |v: &Value| -> Vec<(Value, String)> {
        v["changes"][lsp_client::uri("e.lq")]
            .as_array()
            .expect("edits")
            .iter()
            .map(|e| {
                (
                    e["range"]["start"].clone(),
                    e["newText"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    // A variant with spellings keeps its old name as one more.
    let google = c.rename("e.lq", lsp_client::nth_start(text, "Google", 0), "Search");
    let texts: Vec<String> = edits(&google).into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts, ["Search", ", \"Google\"", "Search"]);
    // One without gets it as its first.
    let direct = c.rename("e.lq", lsp_client::nth_start(text, "Direct", 0), "Organic");
    let texts: Vec<String> = edits(&direct).into_iter().map(|(_, t)| t).collect();
    assert_eq!(texts, ["Organic", " (\"Direct\")", "Organic", "Organic"]);
    // Tiers and named rules: definition and references.
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": lsp_client::uri("e.lq")},
               "position": lsp_client::pos(lsp_client::nth_start(text, "paid", 1))}),
    );
    assert_eq!(
        def["range"]["start"],
        lsp_client::pos(lsp_client::nth_start(text, "paid", 0))
    );
    let refs = c.request(
        "textDocument/references",
        json!({"textDocument": {"uri": lsp_client::uri("e.lq")},
               "position": lsp_client::pos(lsp_client::nth_start(text, "B", 0)),
               "context": {"includeDeclaration": false}}),
    );
    assert_eq!(refs.as_array().map(Vec::len), Some(2), "tier B: two rules");
    c.shutdown();
}

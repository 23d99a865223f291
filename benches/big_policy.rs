//! A policy of `n` rules in the shape of real tier rules, shared by the
//! benchmarks that check it (`eval`) and edit it (`lsp`).

/// The policy's text: an enum, a schema, three tiers, `n` rules and an
/// `otherwise`.
pub fn big_policy(n: usize) -> String {
    let mut text = String::from("enum Role { CEO, CTO, VP, Director, Manager, Other }\nschema {\n  id: int key\n  role: Role\n  budget: money?\n  visits: int\n  country: text\n}\ntiers A > B > C\n");
    for i in 0..n {
        text.push_str(&format!(
            "rule r{i}: when budget >= {}k and visits > {} and role in [VP, Director] and country != \"X{i}\" then tier {}\n",
            1 + i % 97,
            i % 19,
            if i % 2 == 0 { "A" } else { "B" }
        ));
    }
    text.push_str("otherwise tier C\n");
    text
}

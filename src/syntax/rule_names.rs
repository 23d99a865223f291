//! Human names for grammar rules, so that no message shows a raw rule name.

use super::parser::Rule;

/// What a rule is called in "expected ..." messages; `None` for rules that
/// are never worth naming (pieces of a larger token).
pub fn human_name(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "the end of the file",
        keyword | text_inner | magnitude | neg_sign | optional_mark | sign | neg_op
        | WHITESPACE | COMMENT | inline_ws | any_ws | ident_char => return None,
        declaration | schema_item | field_option | score_body | expected | predicate_tail
        | line_tail => return None,
        ident | type_name | rule_name => "a name",
        rule_line => "`line N`",
        tier_name => "a tier name",
        text => "a quoted text",
        number | signed_number | points => "a number",
        date | as_of => "a date",
        duration | within_test => "a duration such as `30 days`",
        time_unit => "a time unit (`days`, `weeks`, `months`, `years`)",
        boolean => "`true` or `false`",
        kw_and => "`and`",
        kw_or => "`or`",
        kw_not => "`not`",
        kw_in => "`in`",
        kw_between => "`between`",
        kw_contains => "`contains`",
        kw_starts => "`starts with`",
        kw_ends => "`ends with`",
        kw_with => "`with`",
        kw_matches => "`matches`",
        kw_before => "`before`",
        kw_after => "`after`",
        kw_within => "`within`",
        kw_is => "`is`",
        kw_missing => "`missing`",
        kw_present => "`present`",
        kw_ago => "`ago`",
        kw_when => "`when`",
        kw_then => "`then`",
        kw_per => "`per`",
        kw_because => "`because`",
        kw_let => "`let`",
        kw_rule => "`rule`",
        kw_tier => "`tier`",
        kw_tiers => "`tiers`",
        kw_route => "`route`",
        kw_otherwise => "`otherwise`",
        kw_disqualify => "`disqualify`",
        kw_score => "`score`",
        kw_at => "`at least`",
        kw_least => "`least`",
        kw_up => "`up to`",
        kw_to => "`to`",
        kw_schema => "`schema`",
        kw_key => "`key`",
        kw_from => "`from`",
        kw_list => "`list of`",
        kw_of => "`of`",
        kw_enum => "`enum`",
        kw_policy => "`policy`",
        kw_lead => "`lead`",
        kw_test => "`test`",
        kw_as => "`as of`",
        kw_given => "`given`",
        kw_expect => "`expect`",
        kw_disqualified => "`disqualified`",
        kw_unmatched => "`unmatched`",
        kw_qualified => "`qualified`",
        kw_reason => "`reason`",
        kw_trim | trim_option => "`trim`",
        kw_ignore | case_option => "`ignore case`",
        kw_case => "`case`",
        policy | policy_decl | enum_decl | schema_decl | tiers_decl | let_decl
        | disqualify_decl | score_decl | rule_decl | otherwise_decl | lead_decl | test_decl => {
            "a declaration"
        }
        variant => "an enum variant",
        missing_decl | text_list | value_list => "a list of quoted texts",
        field_decl => "a field such as `budget: money?`",
        key_option => "`key`",
        from_option => "`from \"Column\"`",
        type_ref | list_type => "a type",
        because => "`because \"...\"`",
        score_floor => "`at least N`",
        score_cap => "`up to N`",
        score_entry => "a score entry such as `+10 when ...`",
        score_when | score_per => "`when` or `per`",
        tier_target => "`tier NAME`",
        route => "`route \"queue\"`",
        record => "a record `{ field: value, ... }`",
        field_value => "a field value such as `budget: 10k`",
        value | missing_value => "a value",
        given => "`given`",
        expectation => "`expect`",
        expect_tier | expect_disqualified | expect_unmatched | expect_qualified | expect_rule
        | expect_route | expect_reason | expect_score => "an expectation such as `tier A`",
        expr | or_expr | and_expr | not_expr | negation | predicate | sum | product | unary
        | operand | paren | call | list | score_ref | ago | duration_error | line_expr
        | line_or | line_and | line_not | line_negation | line_predicate | line_sum => {
            "an expression"
        }
        is_present | is_missing => "`is missing` or `is present`",
        not_in_test | line_not_in => "`not in`",
        in_test | line_in => "`in`",
        between_test | line_between => "`between`",
        compare | line_compare | compare_op => "a comparison",
        contains_test | line_contains => "`contains`",
        starts_test | line_starts => "`starts with`",
        ends_test | line_ends => "`ends with`",
        matches_test => "`matches`",
        before_test | line_before => "`before`",
        after_test | line_after => "`after`",
        add_op | mul_op => "an operator",
    })
}

/// Whether a rule is a keyword token, which lowering skips over.
pub fn is_keyword(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        kw_and
            | kw_or
            | kw_not
            | kw_in
            | kw_between
            | kw_contains
            | kw_starts
            | kw_ends
            | kw_with
            | kw_matches
            | kw_before
            | kw_after
            | kw_within
            | kw_is
            | kw_missing
            | kw_present
            | kw_ago
            | kw_when
            | kw_then
            | kw_per
            | kw_because
            | kw_let
            | kw_rule
            | kw_tier
            | kw_tiers
            | kw_route
            | kw_otherwise
            | kw_disqualify
            | kw_score
            | kw_at
            | kw_least
            | kw_up
            | kw_to
            | kw_schema
            | kw_key
            | kw_from
            | kw_list
            | kw_of
            | kw_enum
            | kw_policy
            | kw_lead
            | kw_test
            | kw_as
            | kw_given
            | kw_expect
            | kw_disqualified
            | kw_unmatched
            | kw_qualified
            | kw_reason
    )
}

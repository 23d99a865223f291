//! One handler per protocol method: each reads its parameters, asks the
//! document's [`Analysis`](crate::ide::Analysis), and turns the answer into
//! protocol types.
#![allow(
    clippy::mutable_key_type,
    reason = "lsp_types::Uri caches its parts inside, but its hash and equality never change"
)]

use lsp_server::{ErrorCode, Notification, Request};
use lsp_types::notification::{self, Notification as _};
use lsp_types::request::{self, Request as _};
use lsp_types::*;
use miette::Diagnostic as _;
use serde_json::Value;

use super::position::LineIndex;
use super::{Document, Server};
use crate::ide::complete::ItemKind;
use crate::ide::fixes::Edit;
use crate::ide::outline::{OutlineItem, OutlineKind};
use crate::ide::tokens::TokenClass;
use crate::ide::Analysis;

/// A failed request: the protocol's error code and a message.
type Failure = (ErrorCode, String);

fn params<P: serde::de::DeserializeOwned>(value: Value) -> Result<P, Failure> {
    serde_json::from_value(value).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn json<T: serde::Serialize>(value: T) -> Result<Value, Failure> {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

impl Server<'_> {
    pub(super) fn dispatch(&mut self, r: Request) -> Result<Value, Failure> {
        match r.method.as_str() {
            request::Completion::METHOD => self.completion(params(r.params)?),
            request::HoverRequest::METHOD => self.hover(params(r.params)?),
            request::GotoDefinition::METHOD => self.definition(params(r.params)?),
            request::References::METHOD => self.references(params(r.params)?),
            request::PrepareRenameRequest::METHOD => self.prepare_rename(params(r.params)?),
            request::Rename::METHOD => self.rename(params(r.params)?),
            request::DocumentSymbolRequest::METHOD => self.symbols(params(r.params)?),
            request::FoldingRangeRequest::METHOD => self.folding(params(r.params)?),
            request::Formatting::METHOD => self.formatting(params(r.params)?),
            request::CodeActionRequest::METHOD => self.code_actions(params(r.params)?),
            request::CodeLensRequest::METHOD => self.code_lenses(params(r.params)?),
            request::SemanticTokensFullRequest::METHOD => self.tokens(params(r.params)?),
            request::ExecuteCommand::METHOD => self.execute(params(r.params)?),
            other => Err((
                ErrorCode::MethodNotFound,
                format!("lq does not handle {other}"),
            )),
        }
    }

    pub(super) fn on_notification(&mut self, n: Notification) {
        match n.method.as_str() {
            notification::DidOpenTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) {
                    let d = p.text_document;
                    self.update(d.uri, d.version, d.text);
                }
            }
            notification::DidChangeTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) {
                    let uri = p.text_document.uri;
                    let mut text = self
                        .documents
                        .get(&uri)
                        .map(|d| d.analysis.text.clone())
                        .unwrap_or_default();
                    for change in p.content_changes {
                        match change.range {
                            Some(range) => {
                                let lines = LineIndex::new(&text, self.utf8);
                                let span = lines.span(&text, range);
                                text.replace_range(span.start..span.end, &change.text);
                            }
                            None => text = change.text,
                        }
                    }
                    self.update(uri, p.text_document.version, text);
                }
            }
            notification::DidCloseTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) {
                    self.documents.remove(&p.text_document.uri);
                    self.notify::<notification::PublishDiagnostics>(PublishDiagnosticsParams {
                        uri: p.text_document.uri,
                        diagnostics: Vec::new(),
                        version: None,
                    });
                }
            }
            _ => {}
        }
    }

    /// Analyses a new version of a document and publishes its diagnostics.
    fn update(&mut self, uri: Uri, version: i32, text: String) {
        let name = uri
            .path()
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or("policy.lq")
            .to_string();
        // A large policy's analysis takes a while to free: the old version
        // goes after the new diagnostics are out (on this thread: freeing
        // on another one made every change slower).
        let mut old = self.documents.remove(&uri);
        let mut reparser = old
            .as_mut()
            .map(|d| std::mem::take(&mut d.reparser))
            .unwrap_or_default();
        let analysis = Analysis::again(
            &mut reparser,
            old.as_mut().map(|d| &mut d.analysis),
            &name,
            &text,
        );
        let lines = LineIndex::new(&text, self.utf8);
        let document = Document {
            analysis,
            lines,
            reparser,
        };
        let diagnostics = diagnostics(&uri, &document);
        self.documents.insert(uri.clone(), document);
        self.notify::<notification::PublishDiagnostics>(PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: Some(version),
        });
        drop(old);
    }

    fn document(&self, uri: &Uri) -> Result<&Document, Failure> {
        self.documents.get(uri).ok_or_else(|| {
            (
                ErrorCode::InvalidParams,
                format!("{} is not open", uri.as_str()),
            )
        })
    }

    /// The document and the byte offset of a position in it.
    fn at(&self, p: &TextDocumentPositionParams) -> Result<(&Document, usize), Failure> {
        let d = self.document(&p.text_document.uri)?;
        let offset = d.lines.offset(&d.analysis.text, p.position);
        Ok((d, offset))
    }

    fn completion(&self, p: CompletionParams) -> Result<Value, Failure> {
        let (d, offset) = self.at(&p.text_document_position)?;
        let (start, found) = d.analysis.completions(offset);
        let range = d.lines.range(
            &d.analysis.text,
            crate::source::Span::new(start, crate::ide::floor_char(&d.analysis.text, offset)),
        );
        let items: Vec<CompletionItem> = found
            .into_iter()
            .map(|c| CompletionItem {
                kind: Some(match c.kind {
                    ItemKind::Field => CompletionItemKind::FIELD,
                    ItemKind::Let => CompletionItemKind::VARIABLE,
                    ItemKind::Block => CompletionItemKind::MODULE,
                    ItemKind::Variant => CompletionItemKind::ENUM_MEMBER,
                    ItemKind::Tier => CompletionItemKind::CLASS,
                    ItemKind::Rule => CompletionItemKind::EVENT,
                    ItemKind::Lead => CompletionItemKind::STRUCT,
                    ItemKind::Type => CompletionItemKind::TYPE_PARAMETER,
                    ItemKind::Keyword => CompletionItemKind::KEYWORD,
                    ItemKind::Function => CompletionItemKind::FUNCTION,
                    ItemKind::Route => CompletionItemKind::VALUE,
                }),
                detail: c.detail,
                text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                    range,
                    c.label.clone(),
                ))),
                label: c.label,
                ..CompletionItem::default()
            })
            .collect();
        json(CompletionResponse::Array(items))
    }

    fn hover(&self, p: HoverParams) -> Result<Value, Failure> {
        let (d, offset) = self.at(&p.text_document_position_params)?;
        let hover = d.analysis.hover(offset).map(|h| Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: h.markdown,
            }),
            range: Some(d.lines.range(&d.analysis.text, h.span)),
        });
        json(hover)
    }

    fn definition(&self, p: GotoDefinitionParams) -> Result<Value, Failure> {
        let tdp = &p.text_document_position_params;
        let (d, offset) = self.at(tdp)?;
        let location = d.analysis.definition(offset).map(|span| {
            GotoDefinitionResponse::Scalar(Location::new(
                tdp.text_document.uri.clone(),
                d.lines.range(&d.analysis.text, span),
            ))
        });
        json(location)
    }

    fn references(&self, p: ReferenceParams) -> Result<Value, Failure> {
        let tdp = &p.text_document_position;
        let (d, offset) = self.at(tdp)?;
        let spans = d.analysis.references(offset, p.context.include_declaration);
        let locations: Vec<Location> = spans
            .into_iter()
            .map(|s| {
                Location::new(
                    tdp.text_document.uri.clone(),
                    d.lines.range(&d.analysis.text, s),
                )
            })
            .collect();
        json(locations)
    }

    fn prepare_rename(&self, p: TextDocumentPositionParams) -> Result<Value, Failure> {
        let (d, offset) = self.at(&p)?;
        match d.analysis.prepare_rename(offset) {
            Ok((span, placeholder)) => json(PrepareRenameResponse::RangeWithPlaceholder {
                range: d.lines.range(&d.analysis.text, span),
                placeholder,
            }),
            Err(e) => Err((ErrorCode::RequestFailed, e.to_string())),
        }
    }

    fn rename(&self, p: RenameParams) -> Result<Value, Failure> {
        let tdp = &p.text_document_position;
        let (d, offset) = self.at(tdp)?;
        let edits = d
            .analysis
            .rename(offset, &p.new_name)
            .map_err(|e| (ErrorCode::RequestFailed, e.to_string()))?;
        let mut changes = std::collections::HashMap::new();
        changes.insert(tdp.text_document.uri.clone(), text_edits(d, &edits));
        json(WorkspaceEdit::new(changes))
    }

    fn symbols(&self, p: DocumentSymbolParams) -> Result<Value, Failure> {
        let d = self.document(&p.text_document.uri)?;
        let symbols: Vec<DocumentSymbol> = d
            .analysis
            .outline()
            .into_iter()
            .map(|o| document_symbol(d, o))
            .collect();
        json(DocumentSymbolResponse::Nested(symbols))
    }

    fn folding(&self, p: FoldingRangeParams) -> Result<Value, Failure> {
        let d = self.document(&p.text_document.uri)?;
        let text = &d.analysis.text;
        let ranges: Vec<FoldingRange> = d
            .analysis
            .folds()
            .into_iter()
            .map(|f| FoldingRange {
                start_line: d.lines.position(text, f.start).line,
                end_line: d.lines.position(text, f.end).line,
                kind: Some(if f.comment {
                    FoldingRangeKind::Comment
                } else {
                    FoldingRangeKind::Region
                }),
                ..FoldingRange::default()
            })
            .filter(|r| r.end_line > r.start_line)
            .collect();
        json(ranges)
    }

    fn formatting(&self, p: DocumentFormattingParams) -> Result<Value, Failure> {
        let d = self.document(&p.text_document.uri)?;
        let text = &d.analysis.text;
        let formatted = d.analysis.formatted().ok_or((
            ErrorCode::RequestFailed,
            "lq fmt does not format a policy with syntax errors; fix them first".to_string(),
        ))?;
        if &formatted == text {
            return json(Vec::<TextEdit>::new());
        }
        let whole = d.lines.range(text, crate::source::Span::new(0, text.len()));
        json(vec![TextEdit::new(whole, formatted)])
    }

    fn code_actions(&self, p: CodeActionParams) -> Result<Value, Failure> {
        let uri = &p.text_document.uri;
        let d = self.document(uri)?;
        let span = d.lines.span(&d.analysis.text, p.range);
        let actions: Vec<CodeActionOrCommand> = d
            .analysis
            .fixes(span)
            .into_iter()
            .map(|fix| {
                let mut changes = std::collections::HashMap::new();
                changes.insert(uri.clone(), text_edits(d, &fix.edits));
                CodeActionOrCommand::CodeAction(CodeAction {
                    title: fix.title,
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: d
                        .analysis
                        .diagnostics
                        .get(fix.diagnostic)
                        .map(|e| vec![diagnostic(uri, d, e)]),
                    edit: Some(WorkspaceEdit::new(changes)),
                    is_preferred: Some(fix.preferred),
                    ..CodeAction::default()
                })
            })
            .collect();
        json(actions)
    }

    fn code_lenses(&self, p: CodeLensParams) -> Result<Value, Failure> {
        let uri = &p.text_document.uri;
        let d = self.document(uri)?;
        let text = &d.analysis.text;
        let tests: Vec<&crate::syntax::ast::TestDecl> = d
            .analysis
            .ast
            .items
            .iter()
            .filter_map(|i| match i {
                crate::syntax::ast::Item::Test(t) => Some(t),
                _ => None,
            })
            .collect();
        if tests.is_empty() {
            return json(Vec::<CodeLens>::new());
        }
        let results = d.analysis.test_results(crate::date::today());
        let uri_arg = Value::String(uri.as_str().to_string());
        let mut lenses = Vec::new();
        let top = Range::new(Position::new(0, 0), Position::new(0, 0));
        let summary = match &results {
            Some(r) => {
                let failed = r.iter().filter(|t| !t.passed()).count();
                format!(
                    "▶ Run all {} tests: {} pass, {failed} fail",
                    r.len(),
                    r.len() - failed
                )
            }
            None => "Tests run once the policy checks without errors".to_string(),
        };
        lenses.push(lens(top, summary, "lq.runTests", vec![uri_arg.clone()]));
        for t in tests {
            let range = d.lines.range(text, t.name.span);
            let result = results
                .as_ref()
                .and_then(|r| r.iter().find(|x| x.name == t.name.node));
            let title = match result {
                Some(r) if r.passed() => "✓ passes".to_string(),
                Some(r) => format!("✗ fails: {}", first_difference(r)),
                None => "▶ run test".to_string(),
            };
            let name = Value::String(t.name.node.clone());
            lenses.push(lens(
                range,
                title,
                "lq.runTest",
                vec![uri_arg.clone(), name],
            ));
        }
        json(lenses)
    }

    fn tokens(&self, p: SemanticTokensParams) -> Result<Value, Failure> {
        let d = self.document(&p.text_document.uri)?;
        let text = &d.analysis.text;
        let mut data = Vec::new();
        let (mut line, mut column) = (0, 0);
        for (span, class) in d.analysis.semantic_tokens() {
            let (l, c, length) = d.lines.token(text, span);
            if length == 0 {
                continue;
            }
            let delta_line = l - line;
            let delta_start = if delta_line == 0 { c - column } else { c };
            data.push(SemanticToken {
                delta_line,
                delta_start,
                length,
                token_type: TokenClass::ALL
                    .iter()
                    .position(|x| *x == class)
                    .unwrap_or(0) as u32,
                token_modifiers_bitset: 0,
            });
            (line, column) = (l, c);
        }
        json(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data,
        }))
    }

    /// `lq.runTests [uri]` and `lq.runTest [uri, name]`: runs the tests,
    /// shows a summary, and answers with each test's result.
    fn execute(&mut self, p: ExecuteCommandParams) -> Result<Value, Failure> {
        let uri: Uri = p
            .arguments
            .first()
            .and_then(|a| a.as_str())
            .and_then(|s| s.parse().ok())
            .ok_or((
                ErrorCode::InvalidParams,
                "the first argument is the document's URI".to_string(),
            ))?;
        let only = match p.command.as_str() {
            "lq.runTests" => None,
            "lq.runTest" => Some(p.arguments.get(1).and_then(|a| a.as_str()).ok_or((
                ErrorCode::InvalidParams,
                "lq.runTest takes the document's URI and the test's name".to_string(),
            ))?),
            other => return Err((ErrorCode::InvalidParams, format!("no command {other}"))),
        };
        let d = self.document(&uri)?;
        let results = d.analysis.test_results(crate::date::today()).ok_or((
            ErrorCode::RequestFailed,
            "the policy has errors; fix them to run its tests".to_string(),
        ))?;
        let results: Vec<_> = results
            .into_iter()
            .filter(|r| only.is_none_or(|n| r.name == n))
            .collect();
        let failed: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
        let message = match (results.len(), failed.first()) {
            (0, _) => "no test of that name".to_string(),
            (1, None) => format!("✓ test \"{}\" passes", results[0].name),
            (n, None) => format!("✓ all {n} tests pass"),
            (n, Some(first)) => format!(
                "✗ {} of {n} failed; \"{}\": {}",
                failed.len(),
                first.name,
                first_difference(first)
            ),
        };
        self.notify::<notification::ShowMessage>(ShowMessageParams {
            typ: if failed.is_empty() {
                MessageType::INFO
            } else {
                MessageType::WARNING
            },
            message,
        });
        let answer: Vec<Value> = results
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name,
                    "passed": r.passed(),
                    "failures": r.failures.iter().map(|f| serde_json::json!({
                        "expected": f.expected, "actual": f.actual,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        Ok(Value::Array(answer))
    }
}

fn lens(range: Range, title: String, command: &str, arguments: Vec<Value>) -> CodeLens {
    CodeLens {
        range,
        command: Some(Command {
            title,
            command: command.to_string(),
            arguments: Some(arguments),
        }),
        data: None,
    }
}

/// A failed test's first difference, in words.
fn first_difference(r: &crate::testing::TestResult) -> String {
    r.failures.first().map_or_else(
        || "failed".to_string(),
        |f| format!("expected {}, got {}", f.expected, f.actual),
    )
}

fn text_edits(d: &Document, edits: &[Edit]) -> Vec<TextEdit> {
    edits
        .iter()
        .map(|e| TextEdit::new(d.lines.range(&d.analysis.text, e.span), e.text.clone()))
        .collect()
}

#[expect(
    deprecated,
    reason = "DocumentSymbol's `deprecated` field must still be given"
)]
fn document_symbol(d: &Document, o: OutlineItem) -> DocumentSymbol {
    let text = &d.analysis.text;
    let children: Vec<DocumentSymbol> = o
        .children
        .into_iter()
        .map(|c| document_symbol(d, c))
        .collect();
    DocumentSymbol {
        name: if o.name.is_empty() {
            "?".into()
        } else {
            o.name
        },
        detail: o.detail,
        kind: match o.kind {
            OutlineKind::Policy => SymbolKind::FILE,
            OutlineKind::Enum => SymbolKind::ENUM,
            OutlineKind::Variant => SymbolKind::ENUM_MEMBER,
            OutlineKind::Schema => SymbolKind::STRUCT,
            OutlineKind::Field => SymbolKind::FIELD,
            OutlineKind::Tiers => SymbolKind::ENUM,
            OutlineKind::Tier => SymbolKind::CONSTANT,
            OutlineKind::Let => SymbolKind::VARIABLE,
            OutlineKind::Disqualifier => SymbolKind::EVENT,
            OutlineKind::Block => SymbolKind::NAMESPACE,
            OutlineKind::Rule => SymbolKind::FUNCTION,
            OutlineKind::Lead => SymbolKind::OBJECT,
            OutlineKind::Test => SymbolKind::METHOD,
        },
        tags: None,
        deprecated: None,
        range: d.lines.range(text, o.span),
        selection_range: d.lines.range(text, o.selection),
        children: (!children.is_empty()).then_some(children),
    }
}

/// A document's diagnostics as the protocol has them: the message with its
/// help, the code, every secondary label as related information.
pub(super) fn diagnostics(uri: &Uri, d: &Document) -> Vec<lsp_types::Diagnostic> {
    d.analysis
        .diagnostics
        .iter()
        .map(|e| diagnostic(uri, d, e))
        .collect()
}

/// One diagnostic of a document as the protocol has it.
fn diagnostic(uri: &Uri, d: &Document, e: &crate::Error) -> lsp_types::Diagnostic {
    let text = &d.analysis.text;
    let mut message = e.to_string();
    if let Some(help) = e.help() {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = e
        .labels()
        .into_iter()
        .flatten()
        .skip(1)
        .map(|l| DiagnosticRelatedInformation {
            location: Location::new(
                uri.clone(),
                d.lines.range(
                    text,
                    crate::source::Span::new(l.offset(), l.offset() + l.len()),
                ),
            ),
            message: l.label().unwrap_or("here").to_string(),
        })
        .collect();
    lsp_types::Diagnostic {
        range: d.lines.range(text, e.primary_span()),
        severity: Some(if e.is_warning() {
            DiagnosticSeverity::WARNING
        } else {
            DiagnosticSeverity::ERROR
        }),
        code: e.code().map(|c| NumberOrString::String(c.to_string())),
        source: Some("lq".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..lsp_types::Diagnostic::default()
    }
}

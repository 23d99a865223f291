//! The language server (`lq lsp`): the Language Server Protocol over a
//! [`lsp_server::Connection`] (stdio for editors, in memory for tests),
//! answering from an [`Analysis`] of each open document.
//!
//! Documents are synchronised by ranges. Every change is analysed at once
//! (re-parsing only the declarations it touched) and its diagnostics
//! published; requests are answered from the latest
//! version, with positions clamped, so a request made on a stale version
//! gets a sane answer. A handler that fails answers with an error and the
//! server goes on: no document can stop it.
#![allow(
    clippy::mutable_key_type,
    reason = "lsp_types::Uri caches its parts inside, but its hash and equality never change"
)]

mod handlers;
pub mod position;

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::Notification as _;
use lsp_types::{
    notification, CodeActionKind, CodeActionProviderCapability, CodeLensOptions, CompletionOptions,
    ExecuteCommandOptions, HoverProviderCapability, InitializeParams, OneOf, PositionEncodingKind,
    RenameOptions, SemanticTokenType, SemanticTokensFullOptions, SemanticTokensLegend,
    SemanticTokensOptions, SemanticTokensServerCapabilities, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, Uri,
};

use crate::ide::tokens::TokenClass;
use crate::ide::Analysis;
use position::LineIndex;

/// The commands the server executes (code lenses run them).
pub const COMMANDS: [&str; 2] = ["lq.runTests", "lq.runTest"];

/// Why the server stopped other than by `shutdown` and `exit`.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LspError {
    /// The client broke the protocol (e.g. no `initialize` first).
    #[error("language server protocol error: {0}")]
    #[diagnostic(
        code(lq::lsp),
        help("`lq lsp` is started by an editor, which talks to it over stdin and stdout; see docs/editors.md")
    )]
    Protocol(String),
    /// Writing to the editor failed (it has gone, or the disk is full).
    #[error("cannot write to the editor: {0}")]
    #[diagnostic(
        code(lq::lsp_write),
        help("the editor that started `lq lsp` has closed its end, or the output cannot be written; restart the server from the editor")
    )]
    Write(#[source] std::io::Error),
}

/// One open document: its analysis (which holds its text).
pub struct Document {
    /// The analysis of its text.
    pub analysis: Analysis,
    /// Its line index.
    pub lines: LineIndex,
    /// Its declarations as last parsed, for re-parsing only what changes.
    pub reparser: crate::syntax::Reparser,
}

/// The server's state.
pub struct Server<'c> {
    connection: &'c Connection,
    documents: HashMap<Uri, Document>,
    utf8: bool,
    /// Whether a message could not be sent: the editor has gone.
    gone: bool,
}

/// The semantic token types announced, in [`TokenClass::ALL`] order.
pub fn token_types() -> Vec<SemanticTokenType> {
    TokenClass::ALL
        .iter()
        .map(|c| match c {
            TokenClass::Keyword => SemanticTokenType::KEYWORD,
            TokenClass::Field => SemanticTokenType::PROPERTY,
            TokenClass::Enum => SemanticTokenType::ENUM,
            TokenClass::Variant => SemanticTokenType::ENUM_MEMBER,
            TokenClass::Let => SemanticTokenType::VARIABLE,
            TokenClass::Block => SemanticTokenType::NAMESPACE,
            TokenClass::Tier => SemanticTokenType::CLASS,
            TokenClass::Rule => SemanticTokenType::EVENT,
            TokenClass::Lead => SemanticTokenType::STRUCT,
            TokenClass::Type => SemanticTokenType::TYPE,
            TokenClass::Function => SemanticTokenType::FUNCTION,
            TokenClass::Text => SemanticTokenType::STRING,
            TokenClass::Number => SemanticTokenType::NUMBER,
            TokenClass::Comment => SemanticTokenType::COMMENT,
        })
        .collect()
}

fn capabilities(utf8: bool) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(if utf8 {
            PositionEncodingKind::UTF8
        } else {
            PositionEncodingKind::UTF16
        }),
        // Edits arrive as ranges: a keystroke in a large policy is a few
        // bytes on the wire, not the whole text.
        text_document_sync: Some(TextDocumentSyncCapability::Kind(
            TextDocumentSyncKind::INCREMENTAL,
        )),
        completion_provider: Some(CompletionOptions {
            // After `role =`, `role in [` and `[VP,`: the variants.
            trigger_characters: Some(vec!["=".into(), "[".into(), ",".into()]),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(lsp_types::FoldingRangeProviderCapability::Simple(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(
            lsp_types::CodeActionOptions {
                code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                ..Default::default()
            },
        )),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: COMMANDS.iter().map(|c| c.to_string()).collect(),
            work_done_progress_options: Default::default(),
        }),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: SemanticTokensLegend {
                    token_types: token_types(),
                    token_modifiers: Vec::new(),
                },
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: None,
                work_done_progress_options: Default::default(),
            },
        )),
        ..ServerCapabilities::default()
    }
}

/// Runs the server on stdin and stdout until the client shuts it down.
pub fn stdio() -> Result<(), LspError> {
    let (connection, threads) = Connection::stdio();
    let served = run(&connection);
    drop(connection);
    // A failed write ends the writer thread with the system's error, which
    // says more than the protocol error it caused; input that is not the
    // protocol ends the reader thread with an error of its own.
    match threads.join() {
        Err(e) if e.raw_os_error().is_some() => Err(LspError::Write(e)),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(LspError::Protocol(format!(
            "the input is not the protocol: {e}"
        ))),
        _ => served,
    }
}

/// Runs the server on a connection: the `initialize` handshake, then
/// every message until `shutdown` and `exit` (or the client goes away).
pub fn run(connection: &Connection) -> Result<(), LspError> {
    let (id, params) = connection.initialize_start().map_err(|e| {
        LspError::Protocol(if e.channel_is_disconnected() {
            "the input ended before the editor's `initialize` request".to_string()
        } else {
            e.to_string()
        })
    })?;
    let params: InitializeParams = serde_json::from_value(params).unwrap_or_default();
    let utf8 = params
        .capabilities
        .general
        .and_then(|g| g.position_encodings)
        .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
    let result = serde_json::json!({
        "capabilities": capabilities(utf8),
        "serverInfo": ServerInfo { name: "lq".into(), version: Some(env!("CARGO_PKG_VERSION").into()) },
    });
    connection
        .initialize_finish(id, result)
        .map_err(|e| LspError::Protocol(e.to_string()))?;
    let mut server = Server {
        connection,
        documents: HashMap::new(),
        utf8,
        gone: false,
    };
    for message in &connection.receiver {
        if server.gone {
            // Nothing can reach the editor any more: read on to its `exit`
            // (or the end of input) without answering, so that the failed
            // write is what is reported.
            if matches!(&message, Message::Notification(n) if n.method == notification::Exit::METHOD)
            {
                return Ok(());
            }
            continue;
        }
        match message {
            Message::Request(request) => {
                match connection.handle_shutdown(&request) {
                    Ok(true) => return Ok(()),
                    Ok(false) => {}
                    Err(e) => return Err(LspError::Protocol(e.to_string())),
                }
                let response = server.request(request);
                server.send(Message::Response(response));
            }
            Message::Notification(n) => {
                if n.method == notification::Exit::METHOD {
                    return Ok(());
                }
                server.notification(n);
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

impl Server<'_> {
    fn send(&mut self, message: Message) {
        // The editor has gone when this fails; the loop ends with it.
        if self.connection.sender.send(message).is_err() {
            self.gone = true;
        }
    }

    fn notify<N: lsp_types::notification::Notification>(&mut self, params: N::Params) {
        self.send(Message::Notification(Notification::new(
            N::METHOD.to_string(),
            params,
        )));
    }

    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let method = request.method.clone();
        match catch_unwind(AssertUnwindSafe(|| self.dispatch(request))) {
            Ok(Ok(value)) => Response::new_ok(id, value),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(_) => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                format!("lq could not answer {method}; please report it with the document"),
            ),
        }
    }

    fn notification(&mut self, n: Notification) {
        // A notification has no answer: a failure is logged to the client.
        let method = n.method.clone();
        if catch_unwind(AssertUnwindSafe(|| self.on_notification(n))).is_err() {
            self.notify::<notification::LogMessage>(lsp_types::LogMessageParams {
                typ: lsp_types::MessageType::ERROR,
                message: format!("lq could not handle {method}"),
            });
        }
    }
}

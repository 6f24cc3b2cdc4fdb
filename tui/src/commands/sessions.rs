//! `comanda sessions` and `comanda sessions end ID`.

use comanda_common::SessionInfo;

use super::output::{Cell, local, table};
use super::{CommandResult, Io};
use crate::api::ApiClient;
use crate::cli::SessionsCommand;

pub async fn sessions(
    api: &ApiClient,
    io: &mut Io,
    command: Option<SessionsCommand>,
) -> CommandResult {
    match command {
        None => {
            let list = api.sessions().await?;
            io.show(&list, |color| sessions_table(&list.sessions, color))?;
        }
        Some(SessionsCommand::End { id }) => {
            let current = api
                .sessions()
                .await?
                .sessions
                .iter()
                .any(|s| s.id == id && s.current);
            let answer = api.end_session(id).await?;
            // Ending this very session is a logout: forget it here too.
            if current {
                api.forget_session().await;
            }
            io.show(&answer, |_| answer.message.clone())?;
        }
    }
    Ok(())
}

fn sessions_table(sessions: &[SessionInfo], color: bool) -> String {
    let rows = sessions
        .iter()
        .map(|s| {
            vec![
                Cell::right(s.id.to_string()),
                Cell::left(if s.current { "*" } else { "" }),
                Cell::left(local(s.created_at)),
                Cell::left(local(s.last_used_at)),
                Cell::left(s.address.clone().unwrap_or_else(|| "-".into())),
                Cell::left(s.user_agent.clone().unwrap_or_else(|| "-".into())),
            ]
        })
        .collect();
    table(
        &["ID", "THIS", "STARTED", "LAST USED", "ADDRESS", "CLIENT"],
        rows,
        color,
    )
}

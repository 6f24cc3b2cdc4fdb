//! `comanda users [--search Q]`: every account (admins), all pages.

use comanda_common::paging::MAX_LIMIT;
use comanda_common::{UserList, UserListQuery};

use super::auth::users_table;
use super::{CommandResult, Io};
use crate::api::ApiClient;

pub async fn users(api: &ApiClient, io: &mut Io, search: Option<String>) -> CommandResult {
    let mut users = Vec::new();
    loop {
        let query = UserListQuery {
            offset: Some(users.len() as i64),
            limit: Some(MAX_LIMIT),
            q: search.clone(),
        };
        let page = api.list_users(&query).await?;
        let got = page.users.len() as i64;
        users.extend(page.users);
        if got < MAX_LIMIT {
            break;
        }
    }
    let list = UserList { users };
    io.show(&list, |color| users_table(&list.users, color))?;
    Ok(())
}

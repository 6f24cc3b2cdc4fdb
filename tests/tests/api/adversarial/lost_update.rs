//! `PATCH /users/{id}` racing itself: a user's own change must never write back flags an
//! admin changed in between (the PostgreSQL lost update).

use futures::future::join_all;
use serde_json::json;

use crate::both;
use crate::helpers::*;

both!(a_users_own_change_never_undoes_a_deactivation_or_a_demotion);

async fn a_users_own_change_never_undoes_a_deactivation_or_a_demotion(b: Backend) {
    let app = spawn_app(b).await;
    let (_, boss) = app.admin("boss").await;
    const N: usize = 12;
    let mut people = Vec::new();
    for i in 0..N {
        let (u, t) = app.customer(&format!("user{i}")).await;
        if i % 2 == 1 {
            // Every other one is an admin, to be demoted.
            let r = app
                .patch(
                    &format!("/users/{}", u.id),
                    Some(&boss),
                    json!({"is_admin": true}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        people.push((u, t));
    }
    // All at once: each user changes their email while the admin deactivates (even) or
    // demotes (odd) them.
    let mut requests = Vec::new();
    let (app, boss) = (&app, &boss);
    for (i, (u, t)) in people.iter().enumerate() {
        let path = format!("/users/{}", u.id);
        let flag = if i % 2 == 0 {
            json!({"is_active": false})
        } else {
            json!({"is_admin": false})
        };
        let own = json!({"email": format!("new{i}@example.com")});
        requests.push(Box::pin(async move {
            let (a, b) = tokio::join!(
                app.patch(&path, Some(boss), flag),
                app.patch(&path, Some(t), own)
            );
            (a, b)
        }));
    }
    for (admin, _own) in join_all(requests).await {
        assert_eq!(admin.status, 200, "{}", admin.body);
    }
    for (i, (u, _)) in people.iter().enumerate() {
        let now = app.get(&format!("/users/{}", u.id), Some(boss)).await;
        if i % 2 == 0 {
            assert_eq!(
                now.body["is_active"], false,
                "deactivation undone: {}",
                now.body
            );
        } else {
            assert_eq!(now.body["is_admin"], false, "demotion undone: {}", now.body);
        }
    }
}

//! `comanda demo`: the server library on a free local port with a throw-away SQLite database
//! and the demo data.

use std::path::PathBuf;

use comanda_server::{Application, Settings, demo};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::app::DemoAccounts;

pub struct DemoServer {
    pub base_url: String,
    dir: PathBuf,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<anyhow::Result<()>>,
}

/// The demo credentials shown on the login screen.
pub fn accounts() -> DemoAccounts {
    DemoAccounts {
        admin: (demo::ADMIN_USERNAME.into(), demo::ADMIN_PASSWORD.into()),
        customer: (
            demo::CUSTOMER_USERNAME.into(),
            demo::CUSTOMER_PASSWORD.into(),
        ),
    }
}

impl DemoServer {
    pub async fn start() -> anyhow::Result<DemoServer> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir = std::env::temp_dir().join(format!("comanda-demo-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let url = format!("sqlite://{}/comanda.db", dir.display());
        let mut settings = Settings::for_tests(&url);
        settings.demo = true;
        let app = Application::build(settings).await?;
        let base_url = app.base_url();
        tracing::info!(%base_url, db = %url, "demo server started");
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_with_shutdown(async move {
            let _ = rx.await;
        }));
        Ok(DemoServer {
            base_url,
            dir,
            stop: Some(tx),
            task,
        })
    }

    /// Stops the server and deletes its database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let _ = tokio::time::timeout(std::time::Duration::from_secs(3), &mut self.task).await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

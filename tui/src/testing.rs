//! Driving the app without a terminal: key events in, frames out to a `TestBackend`.
//! Used by the snapshot tests and the end-to-end tests of the `tests` crate.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{
    KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use crate::api::ApiClient;
use crate::app::{Action, App, Options};

pub struct Harness {
    pub app: App,
    rx: Option<UnboundedReceiver<Action>>,
    pub terminal: Terminal<TestBackend>,
}

impl Harness {
    /// An app whose requests really run (needs a tokio runtime).
    pub fn live(api: ApiClient, options: Options, width: u16, height: u16) -> Harness {
        let (tx, rx) = unbounded_channel();
        Harness {
            app: App::new(api, Some(tx), options),
            rx: Some(rx),
            terminal: Self::terminal(width, height),
        }
    }

    /// An app whose requests never run: only recorded as pending (snapshots).
    pub fn offline(api: ApiClient, options: Options, width: u16, height: u16) -> Harness {
        Harness {
            app: App::new(api, None, options),
            rx: None,
            terminal: Self::terminal(width, height),
        }
    }

    fn terminal(width: u16, height: u16) -> Terminal<TestBackend> {
        match Terminal::new(TestBackend::new(width, height)) {
            Ok(t) => t,
            Err(never) => match never {},
        }
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.terminal.backend_mut().resize(width, height);
        let _ = self.terminal.autoresize();
    }

    pub fn key(&mut self, code: KeyCode) {
        self.app
            .update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn ctrl(&mut self, c: char) {
        self.app.update(Action::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
    }

    /// A left click at terminal cell (`x`, `y`).
    pub fn click(&mut self, x: u16, y: u16) {
        self.mouse(MouseEventKind::Down(MouseButton::Left), x, y);
    }

    /// The mouse wheel, one notch (`down` or up), over cell (`x`, `y`).
    pub fn wheel(&mut self, down: bool, x: u16, y: u16) {
        let kind = if down {
            MouseEventKind::ScrollDown
        } else {
            MouseEventKind::ScrollUp
        };
        self.mouse(kind, x, y);
    }

    fn mouse(&mut self, kind: MouseEventKind, column: u16, row: u16) {
        self.app.update(Action::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }));
    }

    pub fn chars(&mut self, text: &str) {
        for c in text.chars() {
            let mods = if c.is_ascii_uppercase() {
                KeyModifiers::SHIFT
            } else {
                KeyModifiers::NONE
            };
            self.app
                .update(Action::Key(KeyEvent::new(KeyCode::Char(c), mods)));
        }
    }

    /// Draws a frame and returns it as text, one line per row.
    pub fn screen(&mut self) -> String {
        let app = &self.app;
        let _ = self.terminal.draw(|f| crate::ui::render(app, f));
        let buf = self.terminal.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    /// Applies every action that arrives within `d`.
    pub async fn settle(&mut self, d: Duration) {
        let Some(rx) = self.rx.as_mut() else { return };
        let end = Instant::now() + d;
        while let Ok(Some(a)) = tokio::time::timeout_at(end.into(), rx.recv()).await {
            self.app.update(a);
        }
    }

    /// Applies actions until the screen shows `needle`; returns the screen, or the last
    /// screen as the error after `timeout`.
    pub async fn wait_for(&mut self, needle: &str, timeout: Duration) -> Result<String, String> {
        self.wait_until(|s| s.contains(needle), timeout).await
    }

    pub async fn wait_until(
        &mut self,
        pred: impl Fn(&str) -> bool,
        timeout: Duration,
    ) -> Result<String, String> {
        let end = Instant::now() + timeout;
        loop {
            let s = self.screen();
            if pred(&s) {
                return Ok(s);
            }
            if Instant::now() >= end {
                return Err(s);
            }
            let Some(rx) = self.rx.as_mut() else {
                return Err(s);
            };
            match tokio::time::timeout(Duration::from_millis(50), rx.recv()).await {
                Ok(Some(a)) => self.app.update(a),
                Ok(None) => return Err(s),
                Err(_) => self.app.update(Action::Tick),
            }
        }
    }

    /// Waits until no request is in flight.
    pub async fn idle(&mut self, timeout: Duration) -> Result<(), String> {
        let end = Instant::now() + timeout;
        while !self.app.ctx.pending.is_empty() {
            if Instant::now() >= end {
                return Err(format!("still pending: {:?}", self.app.ctx.pending));
            }
            let Some(rx) = self.rx.as_mut() else {
                return Ok(());
            };
            if let Ok(Some(a)) = tokio::time::timeout(Duration::from_millis(50), rx.recv()).await {
                self.app.update(a);
            }
        }
        Ok(())
    }
}

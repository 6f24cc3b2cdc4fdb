//! The real terminal: one event loop over key events, background results and a tick.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture, Event, EventStream};
use ratatui::crossterm::execute;
use tokio::sync::mpsc::unbounded_channel;

use crate::api::ApiClient;
use crate::app::{Action, App, Options};

/// How `run` should behave beyond the defaults.
#[derive(Debug, Clone, Default)]
pub struct RunFlags {
    /// Exit right after the first frame, printing its timing and the memory in use.
    pub report_first_frame: bool,
}

/// Set by the panic hook: a panic on any thread (a background task too) ends the app, since
/// ratatui's hook has already restored the terminal.
static PANICKED: AtomicBool = AtomicBool::new(false);

fn install_panic_log() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICKED.store(true, Ordering::SeqCst);
        tracing::error!(%info, "panic");
        // ratatui's hook restores the rest of the terminal.
        let _ = execute!(std::io::stdout(), DisableMouseCapture);
        previous(info);
    }));
}

/// Mouse capture on (clicks and the wheel come to the app), after `ratatui::init`.
fn enter_mouse() {
    if let Err(e) = execute!(std::io::stdout(), EnableMouseCapture) {
        tracing::warn!(error = %e, "no mouse capture");
    }
}

/// The terminal as it was: mouse capture off, then ratatui's restore.
fn restore() {
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
}

/// Ctrl-Z: gives the terminal back, stops the process (the shell's `fg` resumes it), then
/// takes the terminal again and repaints everything.
#[cfg(unix)]
fn suspend(terminal: &mut DefaultTerminal) -> std::io::Result<()> {
    restore();
    signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
    // Here after SIGCONT.
    ratatui::crossterm::terminal::enable_raw_mode()?;
    execute!(
        std::io::stdout(),
        ratatui::crossterm::terminal::EnterAlternateScreen
    )?;
    enter_mouse();
    terminal.clear()
}

#[cfg(not(unix))]
fn suspend(_terminal: &mut DefaultTerminal) -> std::io::Result<()> {
    Ok(())
}

/// The terminal bell: BEL on the terminal's output, which moves no cursor and draws nothing.
fn ring_bell() {
    use std::io::Write;
    let mut out = std::io::stdout();
    if let Err(e) = out.write_all(b"\x07").and_then(|()| out.flush()) {
        tracing::debug!(error = %e, "could not ring the bell");
    }
}

/// Which server the app talks to.
pub enum Server {
    /// A server at this URL.
    Url(String),
    /// The embedded demo server, started after the first frame.
    #[cfg(feature = "demo")]
    Demo,
}

/// Runs the app in the terminal until the user quits. The terminal is restored on every
/// exit path (ratatui's panic hook covers panics).
pub async fn run(
    server: Server,
    options: Options,
    started: Instant,
    flags: RunFlags,
) -> anyhow::Result<()> {
    install_panic_log();
    // ratatui's hook (installed here, wrapping ours) restores the terminal on any panic.
    let mut terminal = ratatui::try_init()?;
    enter_mouse();
    let result = match server {
        Server::Url(url) => event_loop(&mut terminal, &url, options, started, &flags).await,
        #[cfg(feature = "demo")]
        Server::Demo => {
            // The first frame comes before the embedded server is started.
            let _ = terminal.draw(|f| {
                f.render_widget(
                    ratatui::widgets::Paragraph::new(" Starting the demo server…"),
                    f.area(),
                )
            });
            match crate::demo::DemoServer::start().await {
                Ok(demo) => {
                    let options = Options {
                        demo: Some(crate::demo::accounts()),
                        ..options
                    };
                    let r =
                        event_loop(&mut terminal, &demo.base_url, options, started, &flags).await;
                    demo.stop().await;
                    r
                }
                Err(e) => Err(e),
            }
        }
    };
    restore();
    if flags.report_first_frame
        && let Ok(ms) = &result
    {
        println!(
            "first frame after {ms:.1} ms; resident memory {}",
            crate::measure::rss_text()
        );
    }
    result.map(|_| ())
}
async fn event_loop(
    terminal: &mut DefaultTerminal,
    server_url: &str,
    options: Options,
    started: Instant,
    flags: &RunFlags,
) -> anyhow::Result<f64> {
    let (tx, mut rx) = unbounded_channel();
    let api = ApiClient::with_memory(server_url);
    let mut app = App::new(api, Some(tx), options);
    // The first frame comes before any I/O.
    terminal.draw(|f| crate::ui::render(&app, f))?;
    let first_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(first_frame_ms = first_ms, "first frame");
    if flags.report_first_frame {
        return Ok(first_ms);
    }
    app.start();
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(key))) => app.update(Action::Key(key)),
                Some(Ok(Event::Mouse(m))) => app.update(Action::Mouse(m)),
                Some(Ok(Event::Resize(_, _))) => { let _ = terminal.autoresize(); }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "terminal event error");
                }
                None => break,
            },
            Some(action) = rx.recv() => app.update(action),
            _ = tick.tick() => app.update(Action::Tick),
        }
        if app.quit {
            break;
        }
        if std::mem::take(&mut app.suspend)
            && let Err(e) = suspend(terminal)
        {
            tracing::warn!(error = %e, "could not suspend");
        }
        if std::mem::take(&mut app.ctx.bells) > 0 {
            ring_bell();
        }
        if PANICKED.load(Ordering::SeqCst) {
            anyhow::bail!("internal error: see the log file");
        }
        terminal.draw(|f| crate::ui::render(&app, f))?;
    }
    Ok(first_ms)
}

//! A real `leadscore serve` process on 127.0.0.1:0, found through its JSON
//! log line `serving leadscore.v1`; killed (SIGKILL) when dropped.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use leadscore::pb::v1::lead_service_client::LeadServiceClient;
use tonic::transport::Channel;

/// A models directory with the fixture model and a copy of the shipped rules
/// (`rules.toml` inside it).
pub fn fixture_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    super::write_model(
        dir.path(),
        &super::fixture_model("20260601T000000Z-fixture1"),
    );
    std::fs::copy(super::shipped_rules(), dir.path().join("rules.toml")).unwrap();
    dir
}

/// Most log lines after the startup a [`ServeProcess`] keeps for its test.
pub const LOG_LINES: usize = 100_000;

/// A running `leadscore serve`.
pub struct ServeProcess {
    /// The process.
    pub child: Child,
    /// `host:port` it logged.
    pub addr: String,
    /// What it logged up to and including that line.
    pub startup_log: Vec<String>,
    /// The lines it logs after that, up to [`LOG_LINES`] (the sender goes
    /// when stderr closes).
    pub log: std::sync::mpsc::Receiver<String>,
}

impl ServeProcess {
    /// Starts `leadscore serve` with the models and rules of `fixture`
    /// (see [`fixture_dir`]) on the lead store `db`, and waits until it
    /// logs that it serves.
    pub fn spawn(fixture: &Path, db: &str) -> ServeProcess {
        ServeProcess::spawn_with(fixture, db, &[])
    }

    /// Like [`ServeProcess::spawn`], with `extra` flags for `serve`.
    pub fn spawn_with(fixture: &Path, db: &str, extra: &[&str]) -> ServeProcess {
        ServeProcess::try_spawn_with(fixture, db, extra)
            .unwrap_or_else(|log| panic!("leadscore serve exited before serving:\n{log}"))
    }

    /// Like [`ServeProcess::spawn_with`]; a process that exits before it
    /// serves is `Err` with everything it logged.
    pub fn try_spawn_with(
        fixture: &Path,
        db: &str,
        extra: &[&str],
    ) -> Result<ServeProcess, String> {
        ServeProcess::try_spawn_logging(fixture, db, extra, "info")
    }

    /// Like [`ServeProcess::spawn`], listening on `listen` (`host:port`):
    /// a restart where clients look for the last one.
    pub fn spawn_on(fixture: &Path, db: &str, listen: &str) -> ServeProcess {
        ServeProcess::try_spawn_on(fixture, db, listen, &[], "info")
            .unwrap_or_else(|log| panic!("leadscore serve exited before serving:\n{log}"))
    }

    /// Like [`ServeProcess::try_spawn_with`], logging at `level` (`RUST_LOG`).
    pub fn try_spawn_logging(
        fixture: &Path,
        db: &str,
        extra: &[&str],
        level: &str,
    ) -> Result<ServeProcess, String> {
        ServeProcess::try_spawn_on(fixture, db, "127.0.0.1:0", extra, level)
    }

    fn try_spawn_on(
        fixture: &Path,
        db: &str,
        listen: &str,
        extra: &[&str],
        level: &str,
    ) -> Result<ServeProcess, String> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_leadscore"))
            .args(["serve", "--listen", listen, "--log-format", "json"])
            .arg("--models")
            .arg(fixture)
            .arg("--rules")
            .arg(fixture.join("rules.toml"))
            .args(["--db", db])
            .args(extra)
            .env("RUST_LOG", level)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut log = Vec::new();
        let addr = loop {
            let Some(line) = lines.next() else {
                let _ = child.wait();
                return Err(log.join("\n"));
            };
            let line = line.unwrap();
            let serving = serde_json::from_str::<serde_json::Value>(&line)
                .ok()
                .filter(|v| v["fields"]["message"] == "serving leadscore.v1")
                .map(|v| v["fields"]["addr"].as_str().unwrap().to_owned());
            log.push(line);
            if let Some(addr) = serving {
                break addr;
            }
        };
        // Keep draining stderr so the server never blocks on a full pipe;
        // the first LOG_LINES lines are kept for the test, later ones dropped.
        let (sender, receiver) = std::sync::mpsc::sync_channel(LOG_LINES);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let _ = sender.try_send(line);
            }
        });
        Ok(ServeProcess {
            child,
            addr,
            startup_log: log,
            log: receiver,
        })
    }

    /// A connected channel.
    pub async fn channel(&self) -> Channel {
        super::connect(&self.addr).await
    }

    /// A `LeadService` client.
    pub async fn leads(&self) -> LeadServiceClient<Channel> {
        LeadServiceClient::new(self.channel().await)
            .max_decoding_message_size(64 << 20)
            .max_encoding_message_size(64 << 20)
    }

    /// SIGKILL, then reap.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

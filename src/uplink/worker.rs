//! The running kiosk's uploader thread: every interval a fresh heartbeat goes into the outbox
//! (replacing an unsent one) and the outbox is flushed. After a failure it retries sooner,
//! backing off exponentially with jitter (or as the hub's `Retry-After` says), so a county's
//! kiosks coming back from a power cut do not all call at once. Never on the UI thread.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::heartbeat::{self, Screen};
use super::{client::HubClient, device::DeviceKey, flush, Identity, Outcome};
use crate::config::Config;
use crate::outbox::{Outbox, Record};

/// First retry after a failure; doubles with every further failure up to the interval.
const FIRST_RETRY: Duration = Duration::from_secs(30);
/// While the county has not approved the kiosk, ask this often (approval shows within it).
const PENDING_RETRY: Duration = Duration::from_secs(60);

enum Command {
    Now,
    Stop,
}

pub struct Worker {
    tx: Sender<Command>,
    handle: Option<JoinHandle<()>>,
}

/// How long to wait after `outcome`, after `failures` failures in a row.
pub fn next_delay(outcome: &Outcome, failures: u32, interval: Duration) -> Duration {
    let base = match outcome {
        Outcome::Sent { .. } => interval,
        Outcome::Pending { .. } => PENDING_RETRY.min(interval),
        Outcome::Unreachable {
            retry_after: Some(after),
            ..
        } => (*after).clamp(Duration::from_secs(1), Duration::from_secs(3600)),
        Outcome::Unreachable { .. } | Outcome::Refused { .. } => FIRST_RETRY
            .saturating_mul(1u32 << failures.min(16))
            .min(interval),
    };
    crate::sync::worker::jitter(base, 0.2)
}

impl Worker {
    /// Starts the thread for a config with a hub. `on_outcome` runs on the thread after every
    /// flush (the technician screen's line).
    pub fn spawn(
        config: Config,
        screen: Arc<Mutex<Screen>>,
        on_outcome: impl Fn(&Outcome) + Send + 'static,
    ) -> std::io::Result<Worker> {
        let (tx, rx) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("uplink".into())
            .spawn(move || {
                let Some(mut link) = Link::open(&config) else {
                    return;
                };
                let mut failures = 0u32;
                loop {
                    let shown = screen.lock().map(|s| s.clone()).unwrap_or_default();
                    let outcome = link.heartbeat_and_flush(&config, &shown);
                    on_outcome(&outcome);
                    failures = if outcome.is_sent() {
                        0
                    } else {
                        failures.saturating_add(1)
                    };
                    let wait =
                        next_delay(&outcome, failures.saturating_sub(1), config.hub_interval());
                    match rx.recv_timeout(wait) {
                        Ok(Command::Now) | Err(RecvTimeoutError::Timeout) => continue,
                        Ok(Command::Stop) | Err(RecvTimeoutError::Disconnected) => break,
                    }
                }
            })?;
        Ok(Worker {
            tx,
            handle: Some(handle),
        })
    }

    /// Send now (the technician's button, or after a resident's rating).
    pub fn now(&self) {
        let _ = self.tx.send(Command::Now);
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.tx.send(Command::Stop);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// What one kiosk needs to send: its outbox, its signed client, a runtime.
pub struct Link {
    outbox: Outbox,
    client: HubClient,
    hub: String,
    who: Identity,
    runtime: tokio::runtime::Runtime,
    /// Warnings counted since the last heartbeat that reached the hub.
    warnings: u32,
}

impl Link {
    /// Opens the outbox and the device key for `config` (which has a hub); problems are logged
    /// for the technician and give `None`.
    pub fn open(config: &Config) -> Option<Link> {
        match Link::try_open(config) {
            Ok(l) => Some(l),
            Err(e) => {
                crate::kiosk::events::warn(format!("评价和建议无法上报：{e}"));
                None
            }
        }
    }

    pub fn try_open(config: &Config) -> Result<Link, String> {
        let hub = config.hub.as_deref().ok_or("没有配置 hub")?;
        let url = super::hub_url(hub)?;
        let data = config.data_dir();
        let key = DeviceKey::load_or_create(&data).map_err(|e| e.to_string())?;
        let outbox = Outbox::open(&data, &config.kiosk_id).map_err(|e| e.to_string())?;
        let skew = outbox
            .meta(super::keys::SKEW)
            .ok()
            .flatten()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let client = HubClient::new(
            url.clone(),
            &config.kiosk_id,
            key,
            skew,
            config.hub_ca.as_deref(),
        )?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("无法启动网络线程：{e}"))?;
        Ok(Link {
            outbox,
            client,
            hub: url.to_string(),
            who: Identity {
                code: config.enrol_code.clone(),
                hall: config.hall_name.clone(),
                region: config.region.clone(),
            },
            runtime,
            warnings: 0,
        })
    }

    pub fn outbox(&mut self) -> &mut Outbox {
        &mut self.outbox
    }

    /// A fresh heartbeat into the outbox, then everything sent.
    pub fn heartbeat_and_flush(&mut self, config: &Config, screen: &Screen) -> Outcome {
        self.put_heartbeat(config, screen);
        let outcome = self.flush().unwrap_or_else(|e| Outcome::Unreachable {
            message: format!("发件箱出错：{e}"),
            sent: 0,
            retry_after: None,
        });
        if outcome.is_sent() {
            self.warnings = 0;
        }
        outcome
    }

    /// A fresh heartbeat into the outbox (replacing an unsent one).
    pub fn put_heartbeat(&mut self, config: &Config, screen: &Screen) {
        self.warnings = self
            .warnings
            .saturating_add(crate::kiosk::events::take_count());
        let beat = heartbeat::now(config, screen, self.warnings);
        if let Err(e) = self.outbox.put(&Record::Heartbeat(beat)) {
            log::warn!("无法写入心跳记录：{e}");
        }
    }

    /// Everything waiting sent now.
    pub fn flush(&mut self) -> Result<Outcome, crate::outbox::OutboxError> {
        let Link {
            outbox,
            client,
            hub,
            who,
            runtime,
            ..
        } = self;
        runtime.block_on(flush(client, hub, outbox, who))
    }
}

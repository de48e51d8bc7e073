//! The `banshi` command: the kiosk itself and the tools around it. This file only parses the
//! command line and dispatches; the commands live in `banshi::cli`, grouped as their users see
//! them (kiosk, content, county, technician).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use banshi::bench;
use banshi::cli::{
    content, county, hub, kiosk, outbox, preview, print, speak, spreadsheet, technician,
};

#[derive(Parser)]
#[command(
    name = "banshi",
    version,
    about = "办事：县政务服务中心和村便民服务室的触摸屏办事指南"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the kiosk (the default when no command is given).
    Kiosk(kiosk::KioskArgs),
    /// Render one screen headless to a PNG file (or the whole gallery).
    Screenshot(kiosk::ScreenshotArgs),
    /// Print what content is in use.
    Status(content::StatusArgs),
    /// County staff: show a content folder in a kiosk window, reloading it when a file changes
    /// (problems are shown with file and line instead of the content).
    Preview(preview::PreviewArgs),
    /// Check an authored content folder and list every problem.
    Validate(content::ValidateArgs),
    /// Validate a content folder and make it the kiosk's content.
    Import(content::ImportArgs),
    /// County staff: turn a 实施清单 workbook (.xlsx/.xls/.ods/.csv) into a content folder, then
    /// validate it.
    Convert(spreadsheet::ConvertArgs),
    /// County staff: write a content folder as a workbook (--xlsx) in the layout `convert` reads.
    Export(spreadsheet::ExportArgs),
    /// Search guides and notices as the kiosk does (Chinese, pinyin, initials).
    Search(content::SearchArgs),
    /// Reports for county staff.
    Report {
        #[command(subcommand)]
        what: content::Report,
    },
    /// County staff: make the signing keys and the trust anchor (root.json) kiosks install.
    Keygen(county::KeygenArgs),
    /// County staff: validate a content folder and publish it as a signed repository.
    Publish(county::PublishArgs),
    /// Serve a published repository over HTTP (for counties without a web server).
    Serve(county::ServeArgs),
    /// County staff: the county hub kiosks send ratings, suggestions, unanswered searches,
    /// usage counts and heartbeats to; and its kiosks, enrolment codes and reports.
    Hub(hub::HubArgs),
    /// Fetch and apply the county's signed content once.
    Sync(technician::SyncArgs),
    /// Technicians: read a PIN (4–12 digits) from standard input and print the line for
    /// `technician_pin_hash` in kiosk.toml.
    PinHash,
    /// Technicians (run as root by the kiosk service before it starts): make touch follow the
    /// config's `rotation` with a udev rule giving touchscreens a libinput calibration matrix.
    TouchRotation(technician::TouchRotationArgs),
    /// Technicians: check this kiosk (config, data, content, trust, server, sync, expiry, disk).
    Doctor(technician::DoctorArgs),
    /// Technicians: what this kiosk has not yet sent to the county hub, and sending it now.
    Outbox {
        #[command(subcommand)]
        what: outbox::OutboxCommand,
    },
    /// Write the bytes a receipt printer gets for a guide's one-time notice (一次性告知单).
    Print(print::PrintArgs),
    /// Read a guide or notice aloud as the kiosk's 朗读 button does, or write it to a WAV file.
    Speak(speak::SpeakArgs),
    /// Measure start-up, redraw and memory on this machine (prints JSON).
    Bench(bench::BenchArgs),
    /// Internal: one measured kiosk start, used by `bench`.
    #[command(hide = true)]
    BenchChild(bench::ChildArgs),
    /// Internal: one measured step of the spreadsheet route, used by `bench`.
    #[command(hide = true)]
    BenchConvertChild(bench::ConvertChildArgs),
}

fn main() -> ExitCode {
    // Journal under systemd, stderr at a terminal; library crates' records included.
    banshi::logging::init();
    let cli = Cli::parse();
    let result = match cli
        .command
        .unwrap_or(Command::Kiosk(kiosk::KioskArgs::default()))
    {
        Command::Kiosk(args) => kiosk::run_kiosk(args),
        Command::Screenshot(args) => kiosk::screenshot(args),
        Command::Status(args) => content::status(&args),
        Command::Preview(args) => preview::preview(&args),
        Command::Validate(args) => content::validate(&args),
        Command::Import(args) => content::import(&args),
        Command::Convert(args) => spreadsheet::convert(&args),
        Command::Export(args) => spreadsheet::export(&args),
        Command::Search(args) => content::search(&args),
        Command::Report { what } => content::report(what),
        Command::Keygen(args) => county::keygen(&args),
        Command::Publish(args) => county::publish(args),
        Command::Serve(args) => county::serve(&args),
        Command::Hub(args) => hub::hub(args),
        Command::Sync(args) => return technician::sync(args),
        Command::Doctor(args) => return technician::doctor(&args),
        Command::PinHash => technician::pin_hash(),
        Command::TouchRotation(args) => technician::touch_rotation(&args),
        Command::Outbox { what } => return outbox::run(what),
        Command::Print(args) => print::print(&args),
        Command::Speak(args) => speak::speak(&args),
        Command::Bench(args) => bench::run(args),
        Command::BenchChild(args) => bench::child(args),
        Command::BenchConvertChild(args) => bench::convert_child(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // At a terminal this is the same "banshi: …" line; in the journal, priority err.
            log::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

//! The receipt printer as a device file: USB printers appear through the kernel's `usblp`
//! driver as `/dev/usb/lp0` (group `lp`, which the package gives the kiosk user). [`probe`]
//! asks the printer how it is without printing; [`send`] writes a slip's bytes. Both name what
//! went wrong in words a resident or a technician can act on.
//!
//! The device is opened non-blocking, so a printer that is off (or a named pipe nobody reads)
//! answers at once instead of hanging the caller; writes then block as usual, on the printing
//! thread, never on the UI thread.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// `LPGETSTATUS` from `<linux/lp.h>`: the printer's status byte (usblp asks the printer).
const LPGETSTATUS: rustix::ioctl::Opcode = 0x060b;
/// Status bits as usblp reports them (IEEE 1284 port status).
const PAPER_OUT: i32 = 0x20;
const SELECTED: i32 = 0x10;
const NO_ERROR: i32 = 0x08;

/// Why a slip cannot be printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeviceError {
    #[error("找不到打印机 {0}：没有连上、没开机或 USB 线松了")]
    Missing(PathBuf),
    #[error("没有权限使用打印机 {0}")]
    Denied(PathBuf),
    #[error("打印机没纸了")]
    PaperOut,
    #[error("打印机处于脱机状态（盖子没盖好或在出错）")]
    Offline,
    #[error("打印机报告出错")]
    Fault,
    #[error("打印机写入出错：{0}")]
    Write(String),
}

impl DeviceError {
    /// What a technician does about it (the technician screen and `banshi doctor`).
    pub fn hint(&self) -> &'static str {
        match self {
            DeviceError::Missing(_) => "检查打印机电源和 USB 线；接好后 /dev/usb/lp0 会出现。配置里的 printer 要写打印机的设备文件。",
            DeviceError::Denied(_) => "终端用户 banshi 要在 lp 组里（软件包安装时已加入；手工安装时运行 adduser banshi lp 后重启终端）。",
            DeviceError::PaperOut => "装上热敏纸卷（58 或 80 毫米，与配置的 paper_width_mm 一致）。",
            DeviceError::Offline => "合上打印机的盖子，按一下进纸键；仍不行时关掉打印机电源再打开。",
            DeviceError::Fault => "关掉打印机电源再打开；检查是否卡纸或过热。",
            DeviceError::Write(_) => "检查 USB 线，关掉打印机电源再打开后再试。",
        }
    }

    /// What the resident is told: short, and the QR code still works.
    pub fn resident_text(&self) -> &'static str {
        match self {
            DeviceError::PaperOut => {
                "打印机没纸了，请告诉工作人员。您也可以用手机扫上面的二维码带走材料清单。"
            }
            _ => "打印机暂时不能用，请告诉工作人员。您也可以用手机扫上面的二维码带走材料清单。",
        }
    }
}

fn open(path: &Path) -> Result<File, DeviceError> {
    // No create: a printer that is not plugged in must not become a regular file in /dev.
    // Append: a plain file standing in for a printer (tests, `banshi print --out`) collects
    // every slip like paper does.
    OpenOptions::new()
        .append(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => DeviceError::Missing(path.into()),
            std::io::ErrorKind::PermissionDenied => DeviceError::Denied(path.into()),
            // ENXIO (a pipe with no reader), ENODEV (usblp: unplugged since): nobody there.
            _ if nobody_there(&e) => DeviceError::Missing(path.into()),
            _ => DeviceError::Write(e.to_string()),
        })
}

/// ENXIO (a pipe with no reader) or ENODEV (usblp: the printer was unplugged).
fn nobody_there(e: &std::io::Error) -> bool {
    use rustix::io::Errno;
    matches!(Errno::from_io_error(e), Some(Errno::NXIO | Errno::NODEV))
}

/// What the printer says about itself, when it is a printer device that can say (`None`
/// for a regular file or a pipe, or a driver that does not answer `LPGETSTATUS`).
fn status(file: &File) -> Option<i32> {
    let is_char = file
        .metadata()
        .is_ok_and(|m| m.file_type().is_char_device());
    if !is_char {
        return None;
    }
    // SAFETY: LPGETSTATUS writes one C int, which is what the Getter provides room for.
    unsafe {
        rustix::ioctl::ioctl(
            file,
            rustix::ioctl::Getter::<LPGETSTATUS, std::ffi::c_int>::new(),
        )
    }
    .ok()
}

fn check_status(status: Option<i32>) -> Result<(), DeviceError> {
    match status {
        Some(s) if s & PAPER_OUT != 0 => Err(DeviceError::PaperOut),
        Some(s) if s & SELECTED == 0 => Err(DeviceError::Offline),
        Some(s) if s & NO_ERROR == 0 => Err(DeviceError::Fault),
        _ => Ok(()),
    }
}

/// Whether the printer at `path` is there and ready, without printing anything.
pub fn probe(path: &Path) -> Result<(), DeviceError> {
    let file = open(path)?;
    check_status(status(&file))
}

/// Prints `bytes` on the printer at `path`: checks it first (no paper, off-line), then writes
/// everything. Blocks until the driver took the bytes; call it off the UI thread.
pub fn send(path: &Path, bytes: &[u8]) -> Result<(), DeviceError> {
    let mut file = open(path)?;
    check_status(status(&file))?;
    // Blocking writes from here: the printer takes a slip at its own pace.
    let flags = rustix::fs::fcntl_getfl(&file).map_err(|e| DeviceError::Write(e.to_string()))?;
    rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK)
        .map_err(|e| DeviceError::Write(e.to_string()))?;
    file.write_all(bytes)
        .and_then(|_| file.flush())
        .map_err(|e| {
            if nobody_there(&e) {
                DeviceError::Missing(path.into())
            } else {
                DeviceError::Write(e.to_string())
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bits_name_the_problem() {
        // Selected, no error, paper in: ready.
        assert_eq!(check_status(Some(SELECTED | NO_ERROR)), Ok(()));
        assert_eq!(
            check_status(Some(SELECTED | NO_ERROR | PAPER_OUT)),
            Err(DeviceError::PaperOut)
        );
        assert_eq!(check_status(Some(NO_ERROR)), Err(DeviceError::Offline));
        assert_eq!(check_status(Some(SELECTED)), Err(DeviceError::Fault));
        assert_eq!(check_status(None), Ok(()), "no status to ask: try to print");
    }

    #[test]
    fn a_missing_device_is_not_created_and_a_pipe_nobody_reads_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("lp0");
        assert_eq!(send(&gone, b"x"), Err(DeviceError::Missing(gone.clone())));
        assert!(
            !gone.exists(),
            "printing must not create a file in place of the device"
        );

        let fifo = dir.path().join("fifo");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        assert_eq!(probe(&fifo), Err(DeviceError::Missing(fifo.clone())));

        let file = dir.path().join("printer.bin");
        std::fs::write(&file, b"").unwrap();
        send(&file, b"\x1b@slip").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"\x1b@slip");
        assert_eq!(probe(&file), Ok(()));
    }
}

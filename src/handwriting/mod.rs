//! Handwriting recognition (手写) for residents who cannot spell pinyin: strokes written with a
//! finger on a square pad → candidate characters, best first. Offline, with Zinnia
//! (`libzinnia0`) and Debian's Simplified Chinese model (`tegaki-zinnia-simplified-chinese`).
//!
//! The library is loaded at run time (`dlopen`), not linked: a kiosk without it still starts,
//! and `Recognizer::open` says what is missing (the screen hides the 手写 tab then). This module
//! is the only place that touches Zinnia's C API; everything unsafe is here, behind
//! [`Recognizer`].

use std::ffi::{c_char, c_float, c_int, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::{Mutex, OnceLock};

use libloading::Library;

/// Where Debian's `tegaki-zinnia-simplified-chinese` puts the model.
pub const MODEL_PATH: &str = "/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model";

/// The shared library of `libzinnia0`.
pub const LIBRARY: &str = "libzinnia.so.0";

/// Candidates a pad shows after each stroke.
pub const CANDIDATES: usize = 10;

/// A point of a stroke on the pad, in pad units: (0, 0) top left, (size, size) bottom right.
pub type Point = (f32, f32);

/// A recognised character and Zinnia's score for it (higher is better; only the order means
/// something).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub text: String,
    pub score: f32,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("没有找到手写识别库 {LIBRARY}（请安装 libzinnia0）：{0}")]
    Library(String),
    #[error("没有找到手写识别模型 {0}（请安装 tegaki-zinnia-simplified-chinese）")]
    ModelMissing(PathBuf),
    #[error("手写识别模型 {path} 无法打开：{message}")]
    Model { path: PathBuf, message: String },
}

type New = unsafe extern "C" fn() -> *mut c_void;
type Destroy = unsafe extern "C" fn(*mut c_void);
type Open = unsafe extern "C" fn(*mut c_void, *const c_char) -> c_int;
type StrError = unsafe extern "C" fn(*mut c_void) -> *const c_char;
type SetSize = unsafe extern "C" fn(*mut c_void, usize);
type Add = unsafe extern "C" fn(*mut c_void, usize, c_int, c_int) -> c_int;
type Classify = unsafe extern "C" fn(*mut c_void, *const c_void, usize) -> *mut c_void;
type ResultValue = unsafe extern "C" fn(*mut c_void, usize) -> *const c_char;
type ResultScore = unsafe extern "C" fn(*mut c_void, usize) -> c_float;
type ResultSize = unsafe extern "C" fn(*mut c_void) -> usize;

/// The functions of Zinnia's C API that recognition uses (zinnia.h), resolved once.
struct Api {
    recognizer_new: New,
    recognizer_destroy: Destroy,
    recognizer_open: Open,
    recognizer_strerror: StrError,
    recognizer_classify: Classify,
    character_new: New,
    character_destroy: Destroy,
    character_set_width: SetSize,
    character_set_height: SetSize,
    character_add: Add,
    result_value: ResultValue,
    result_score: ResultScore,
    result_size: ResultSize,
    result_destroy: Destroy,
    /// Keeps the functions above loaded; dropped last.
    _library: Library,
}

impl Api {
    fn load() -> Result<Api, Error> {
        let err = |e: libloading::Error| Error::Library(e.to_string());
        // SAFETY: loading libzinnia runs no initialisers with preconditions; each symbol is
        // given the type zinnia.h (0.06) declares for it.
        unsafe {
            let library = Library::new(LIBRARY).map_err(err)?;
            macro_rules! sym {
                ($name:literal) => {
                    *library.get(concat!($name, "\0").as_bytes()).map_err(err)?
                };
            }
            Ok(Api {
                recognizer_new: sym!("zinnia_recognizer_new"),
                recognizer_destroy: sym!("zinnia_recognizer_destroy"),
                recognizer_open: sym!("zinnia_recognizer_open"),
                recognizer_strerror: sym!("zinnia_recognizer_strerror"),
                recognizer_classify: sym!("zinnia_recognizer_classify"),
                character_new: sym!("zinnia_character_new"),
                character_destroy: sym!("zinnia_character_destroy"),
                character_set_width: sym!("zinnia_character_set_width"),
                character_set_height: sym!("zinnia_character_set_height"),
                character_add: sym!("zinnia_character_add"),
                result_value: sym!("zinnia_result_value"),
                result_score: sym!("zinnia_result_score"),
                result_size: sym!("zinnia_result_size"),
                result_destroy: sym!("zinnia_result_destroy"),
                _library: library,
            })
        }
    }
}

/// An open Zinnia recognizer with its model. Not shared between threads at once (Zinnia's
/// recognizer keeps no promise about that); it may be moved to a worker thread.
pub struct Recognizer {
    api: Api,
    recognizer: NonNull<c_void>,
}

// SAFETY: the recognizer is owned by this value alone and used through `&self`/`&mut self`
// only on the thread holding it; Zinnia keeps no thread-local state.
unsafe impl Send for Recognizer {}

impl Recognizer {
    /// Opens Debian's Simplified Chinese model.
    pub fn open_default() -> Result<Recognizer, Error> {
        Recognizer::open(Path::new(MODEL_PATH))
    }

    /// Opens the model at `path`.
    pub fn open(path: &Path) -> Result<Recognizer, Error> {
        if !path.is_file() {
            return Err(Error::ModelMissing(path.to_path_buf()));
        }
        let api = Api::load()?;
        let model_error = |message: String| Error::Model {
            path: path.to_path_buf(),
            message,
        };
        let c_path = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| model_error("路径含有空字符".into()))?;
        // SAFETY: zinnia_recognizer_new returns a new recognizer or null; open gets that
        // recognizer and a NUL-terminated path; strerror returns a string owned by the
        // recognizer, copied before it is destroyed.
        unsafe {
            let recognizer = NonNull::new((api.recognizer_new)())
                .ok_or_else(|| model_error("zinnia_recognizer_new 失败".into()))?;
            if (api.recognizer_open)(recognizer.as_ptr(), c_path.as_ptr()) == 0 {
                let message = owned((api.recognizer_strerror)(recognizer.as_ptr()));
                (api.recognizer_destroy)(recognizer.as_ptr());
                return Err(model_error(message));
            }
            Ok(Recognizer { api, recognizer })
        }
    }

    /// The best `limit` characters for `strokes` written on a square pad of side `size`
    /// (points outside it are clamped to it), best first. No strokes: no candidates.
    pub fn recognize(&self, strokes: &[Vec<Point>], size: f32, limit: usize) -> Vec<Candidate> {
        let points = strokes.iter().filter(|s| !s.is_empty()).count();
        if points == 0 || limit == 0 || size.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater)
        {
            return Vec::new();
        }
        // Zinnia reads integer coordinates; a pad of 1000 units keeps a finger's detail.
        const SIDE: usize = 1000;
        let scale = SIDE as f32 / size;
        let to_units = |v: f32| ((v * scale).round() as c_int).clamp(0, SIDE as c_int);
        let api = &self.api;
        // SAFETY: the character is created here, filled, classified against this value's
        // open recognizer and destroyed before returning; result strings are copied before the
        // result is destroyed; indices stay below zinnia_result_size.
        unsafe {
            let Some(character) = NonNull::new((api.character_new)()) else {
                return Vec::new();
            };
            (api.character_set_width)(character.as_ptr(), SIDE);
            (api.character_set_height)(character.as_ptr(), SIDE);
            for (id, stroke) in strokes.iter().filter(|s| !s.is_empty()).enumerate() {
                for &(x, y) in stroke {
                    (api.character_add)(character.as_ptr(), id, to_units(x), to_units(y));
                }
            }
            let result =
                (api.recognizer_classify)(self.recognizer.as_ptr(), character.as_ptr(), limit);
            (api.character_destroy)(character.as_ptr());
            let Some(result) = NonNull::new(result) else {
                return Vec::new();
            };
            let n = (api.result_size)(result.as_ptr()).min(limit);
            let out = (0..n)
                .map(|i| Candidate {
                    text: owned((api.result_value)(result.as_ptr(), i)),
                    score: (api.result_score)(result.as_ptr(), i),
                })
                .filter(|c| !c.text.is_empty())
                .collect();
            (api.result_destroy)(result.as_ptr());
            out
        }
    }
}

impl Drop for Recognizer {
    fn drop(&mut self) {
        // SAFETY: the recognizer was created by this library and is destroyed once.
        unsafe { (self.api.recognizer_destroy)(self.recognizer.as_ptr()) }
    }
}

/// A copy of a C string (empty for null).
///
/// # Safety
/// `p` is null or points to a NUL-terminated string alive during the call.
unsafe fn owned(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// Whether recognition can work with the model at `model` — the library loads and the model
/// file is there — without opening it: opening reads the whole 26 MB file into the page cache
/// and maps it, so the kiosk opens it only when a resident first taps 手写 (5–9 ms from the
/// page cache, about 25 ms from this VM's disk: `banshi bench`, `handwriting_model_load_ms`),
/// not on every kiosk that merely shows the search page.
/// `Err` holds the Chinese message saying what to install.
pub fn available(model: &Path) -> Result<(), String> {
    static LIBRARY_LOADS: OnceLock<Result<(), String>> = OnceLock::new();
    if !model.is_file() {
        return Err(Error::ModelMissing(model.to_path_buf()).to_string());
    }
    LIBRARY_LOADS
        .get_or_init(|| Api::load().map(|_| ()).map_err(|e| e.to_string()))
        .clone()
}

type Shared = OnceLock<Result<Mutex<Recognizer>, String>>;

/// The process's one recognizer for the model at `model`, opened at the first call: the
/// kiosk's pad and the technician's doctor check share it (a kiosk has one model; tests use
/// several paths). Callers arriving while another thread opens it wait for that opening. `Err`
/// holds the Chinese message saying what to install.
pub fn shared(model: &Path) -> Result<&'static Mutex<Recognizer>, &'static str> {
    static OPENED: Mutex<Vec<(PathBuf, &'static Shared)>> = Mutex::new(Vec::new());
    let slot: &'static Shared = {
        let mut opened = OPENED.lock().unwrap_or_else(|e| e.into_inner());
        match opened.iter().find(|(p, _)| p == model) {
            Some(&(_, slot)) => slot,
            None => {
                let slot: &'static Shared = Box::leak(Box::default());
                opened.push((model.to_path_buf(), slot));
                slot
            }
        }
    };
    slot.get_or_init(|| {
        Recognizer::open(model)
            .map(Mutex::new)
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(String::as_str)
}

pub mod samples;
#[cfg(test)]
mod tests;

//! A county's content as content-addressed objects: the unit of publishing and of incremental
//! sync.
//!
//! - The **base** object holds everything small and shared (county, regions, departments,
//!   windows, categories).
//! - Every service item and every notice is one **document** object.
//! - Documents are listed in **buckets** (chosen by a hash of the document's key, so a document
//!   stays in its bucket across versions); every bucket is itself an object.
//! - The **manifest** lists the base and the buckets by hash. It is the only file the signed
//!   TUF metadata names; every other object is checked against the hash that names it, so one
//!   signature covers everything (a Merkle tree).
//!
//! Changing one guide changes its object, its bucket and the manifest; nothing else is
//! downloaded again. Objects are canonical JSON of the model types, so the same content gives
//! the same hashes, and the same [`digest`](Manifest::digest), on every machine.
//!
//! Format 2 (issue 14) compresses every object on its own with zstd (hashes name the compressed
//! bytes, so nothing is decompressed before it is verified) and groups the objects into
//! **packs**: pack `j` is the concatenation of the buckets `j·64 … j·64+63` and then of their
//! documents, in bucket order. A pack is named by its hash in the manifest; since a kiosk
//! knows every object's length, any byte range of a pack splits into whole objects, each
//! checked against its own hash. A first sync fetches a few packs instead of one request per
//! object; a kiosk that has some objects asks for the ranges it lacks. Packs are a function of
//! the content alone, like everything else here. Format 1 (uncompressed objects, no packs) is
//! still read.
//!
//! Format 3 (issue 14) adds the county's zstd **dictionary**: one more content-addressed object,
//! named in the manifest (so the signed tree covers it like everything else; a kiosk fetches it
//! first), trained by `publish` on the county's own documents ([`train`]: a fixed sample order
//! and fixed parameters, so the same content gives the same dictionary on every machine) and
//! then kept by later publishes, so unchanged documents keep their hashes. Every other object
//! of a manifest that names a dictionary is compressed with it; hashes still name the
//! compressed bytes. A county too small for a dictionary to pay publishes format 3 without one.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::model::{
    Categories, Content, County, Department, HallWindow, Notice, RatingSet, Regions, ServiceItem,
};

/// Manifest format written by this build; formats `1..=FORMAT` are read.
pub const FORMAT: u32 = 3;

/// Buckets per pack (with their documents).
pub const BUCKETS_PER_PACK: usize = 64;
/// zstd level for objects: close to the best ratio on small JSON documents, and fast enough
/// that importing 10,000 guides (which packs them too) stays around a second.
const ZSTD_LEVEL: i32 = 12;
/// Largest decompressed object accepted (a guide is a few KB; the base of a large county well
/// under a megabyte).
const MAX_OBJECT: usize = 64 * 1024 * 1024;

/// Largest dictionary trained (zstd's own default size): about 5 % of a 1,000-guide county's
/// download, under 1 % of a 10,000-guide one.
pub const DICTIONARY_SIZE: usize = 112 * 1024;
/// Counties with fewer documents get no dictionary (see [`train`]).
pub const DICTIONARY_MIN_DOCUMENTS: usize = TRAIN_MIN_DOCUMENTS;
/// By bytes a dictionary pays from a few dozen documents (generated county: 54 documents,
/// 94 KB of objects without, 53 KB with its 31 KB dictionary included; 1,100 documents 2.26 MB
/// → 0.67 MB), but the generated county repeats a dozen guides and flatters it. The floor is
/// where the trainer has samples enough to learn the county's common wording rather than copy
/// a few documents: 500 documents are about 2 MB of JSON, 20 times the dictionary (zstd's
/// guidance is about 100 times; 1,500 documents about 60 times). Below it a first sync is under
/// about 1 MB without a dictionary, seconds on a 2 Mbit/s line, where the few round trips of
/// the signed metadata weigh as much. (It was 1,500 only because a test compared a synced kiosk
/// with an import that trained a dictionary of its own; it now compares with an import packed
/// with the repository's dictionary.)
const TRAIN_MIN_DOCUMENTS: usize = 500;
/// At most this much JSON is given to the trainer (every k-th document in key order beyond it):
/// more costs training time and gains next to nothing.
const TRAIN_SAMPLE_BYTES: usize = 8 * 1024 * 1024;
/// zstd's magic number at the start of a trained dictionary (little-endian 0xEC30A437).
const DICTIONARY_MAGIC: [u8; 4] = [0x37, 0xa4, 0x30, 0xec];

/// Roughly how many documents one bucket lists.
const DOCS_PER_BUCKET: usize = 16;
/// Format 3: with the dictionary a document's object is about a third of what it was, and the
/// manifest (64 hex digits per bucket, which compress by half at best) became most of an
/// incremental sync: twice as many documents per bucket halve the manifest for a bucket object
/// about 1 KB larger (1,000 guides: 15 KB → 10 KB for one changed guide).
const DOCS_PER_BUCKET_3: usize = 32;
const MAX_BUCKETS: usize = 4096;

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes);
    hex::encode(d.as_ref())
}

/// A reference to an object: its hash and exact length in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectRef {
    pub hash: String,
    pub length: u64,
}

impl ObjectRef {
    pub fn of(bytes: &[u8]) -> ObjectRef {
        ObjectRef {
            hash: sha256_hex(bytes),
            length: bytes.len() as u64,
        }
    }
}

/// The shared, small part of a county's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Base {
    pub county: County,
    pub regions: Regions,
    pub departments: Vec<Department>,
    pub windows: Vec<HallWindow>,
    pub categories: Categories,
    /// The county's 好差评 indicator set (`ratings.toml`). Left out when there is none, so a
    /// county without one keeps the same base object (and digest) as before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratings: Option<RatingSet>,
}

/// One entry of a bucket: a document's key and its object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// `item:ID` or `notice:ID`.
    pub key: String,
    #[serde(flatten)]
    pub object: ObjectRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    /// The county's region code, so a kiosk never applies another county's content.
    pub region: String,
    /// Same content ⇒ same digest, on any machine (see [`digest`]).
    pub digest: String,
    pub documents: u64,
    pub base: ObjectRef,
    pub buckets: Vec<ObjectRef>,
    /// Format 2: the packs, in order (pack `j` holds buckets `j·BUCKETS_PER_PACK…`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub packs: Vec<ObjectRef>,
    /// Format 3: the zstd dictionary every other object is compressed with, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dictionary: Option<ObjectRef>,
}

impl Manifest {
    /// The buckets in pack `j`.
    pub fn pack_buckets(&self, j: usize) -> &[ObjectRef] {
        let start = (j * BUCKETS_PER_PACK).min(self.buckets.len());
        let end = ((j + 1) * BUCKETS_PER_PACK).min(self.buckets.len());
        &self.buckets[start..end]
    }
}

/// A whole county as objects: the manifest and every object body by hash.
#[derive(Debug, Clone)]
pub struct Packed {
    pub manifest: Manifest,
    pub manifest_bytes: Vec<u8>,
    /// Every object (base, buckets, documents, and the dictionary) by hash.
    pub objects: BTreeMap<String, Vec<u8>>,
    /// The dictionary the manifest names, loaded.
    pub dictionary: Option<Arc<Dictionary>>,
}

/// A county's zstd dictionary (format 3). Its object is the dictionary itself, zstd-compressed
/// without a dictionary, so it is read (after its hash is checked) like any other object.
pub struct Dictionary {
    /// The object: its hash and length, as the manifest names it.
    pub object: ObjectRef,
    /// The object's bytes (what `publish` writes and the kiosk stores).
    pub body: Vec<u8>,
    raw: Vec<u8>,
    decoder: zstd::dict::DecoderDictionary<'static>,
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dictionary")
            .field("object", &self.object)
            .field("size", &self.raw.len())
            .finish()
    }
}

impl Dictionary {
    /// A dictionary from the trainer's output.
    pub fn from_raw(raw: Vec<u8>) -> Dictionary {
        let body = compress(&raw);
        Dictionary {
            object: ObjectRef::of(&body),
            decoder: zstd::dict::DecoderDictionary::copy(&raw),
            body,
            raw,
        }
    }

    /// A dictionary from its object (whose hash the caller has checked).
    pub fn from_object(body: &[u8]) -> Result<Dictionary, PackError> {
        let bad = |message: String| PackError::Parse {
            what: "dictionary".into(),
            message,
        };
        let raw = decode(body).map_err(bad)?.into_owned();
        if !raw.starts_with(&DICTIONARY_MAGIC)
            || zstd::zstd_safe::get_dict_id_from_dict(&raw).is_none()
        {
            return Err(bad("不是 zstd 字典".into()));
        }
        Ok(Dictionary {
            object: ObjectRef::of(body),
            decoder: zstd::dict::DecoderDictionary::copy(&raw),
            body: body.to_vec(),
            raw,
        })
    }

    /// The dictionary's own bytes (as trained).
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }
}

/// Errors turning objects back into content. Any of them means the publisher (not the network:
/// hashes were checked before) made something this build cannot read.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("内容清单格式 {0} 太新，本机程序只认识格式 1 到 {FORMAT}。请升级本机的办事程序。")]
    Format(u32),
    #[error("内容对象 {what} 无法读取：{message}")]
    Parse { what: String, message: String },
    #[error("缺少内容对象 {0}")]
    Missing(String),
}

pub fn item_key(id: &str) -> String {
    format!("item:{id}")
}

pub fn notice_key(id: &str) -> String {
    format!("notice:{id}")
}

fn bucket_count(documents: usize, format: u32) -> usize {
    let per_bucket = if format >= 3 {
        DOCS_PER_BUCKET_3
    } else {
        DOCS_PER_BUCKET
    };
    documents
        .div_ceil(per_bucket)
        .next_power_of_two()
        .clamp(1, MAX_BUCKETS)
}

/// The bucket a key belongs to, out of `n` (a power of two).
pub fn bucket_of(key: &str, n: usize) -> usize {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key.as_bytes());
    let v =
        u32::from_be_bytes([d.as_ref()[0], d.as_ref()[1], d.as_ref()[2], d.as_ref()[3]]) as usize;
    v % n
}

fn to_json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("model types always serialise")
}

pub fn compress(json: &[u8]) -> Vec<u8> {
    zstd::bulk::compress(json, ZSTD_LEVEL).expect("compressing into memory does not fail")
}

/// Trains the county's dictionary on its documents, or `None` when it has fewer than
/// [`DICTIONARY_MIN_DOCUMENTS`] (too few samples for the trainer, and a county that small
/// syncs in seconds anyway) or the trainer fails.
///
/// Deterministic: the samples are the documents' JSON in key order (every k-th one when they
/// pass [`TRAIN_SAMPLE_BYTES`]), the parameters are libzstd's defaults for
/// `ZDICT_trainFromBuffer` (fastCover, single thread) and the size is fixed, so two machines
/// given the same content train the same dictionary.
pub fn train(content: &Content) -> Option<Dictionary> {
    train_at_least(content, TRAIN_MIN_DOCUMENTS)
}

fn train_at_least(content: &Content, min_documents: usize) -> Option<Dictionary> {
    let mut docs: Vec<(String, Vec<u8>)> = content
        .items
        .iter()
        .map(|i| (item_key(&i.id), to_json(i)))
        .chain(
            content
                .notices
                .iter()
                .map(|n| (notice_key(&n.id), to_json(n))),
        )
        .collect();
    if docs.len() < min_documents {
        return None;
    }
    docs.sort_by(|a, b| a.0.cmp(&b.0));
    let total: usize = docs.iter().map(|d| d.1.len()).sum();
    let step = total.div_ceil(TRAIN_SAMPLE_BYTES).max(1);
    let mut data = Vec::with_capacity(total / step + 1);
    let mut sizes = Vec::new();
    for (_, json) in docs.iter().step_by(step) {
        data.extend_from_slice(json);
        sizes.push(json.len());
    }
    match zstd::dict::from_continuous(&data, &sizes, DICTIONARY_SIZE) {
        Ok(raw) => Some(Dictionary::from_raw(raw)),
        Err(e) => {
            log::warn!("无法训练压缩字典（不用字典发布）：{e}");
            None
        }
    }
}

/// Compresses objects, with the county's dictionary when there is one.
struct Encoder<'a> {
    compressor: zstd::bulk::Compressor<'a>,
    format: u32,
}

impl<'a> Encoder<'a> {
    fn new(format: u32, dict: Option<&'a zstd::dict::EncoderDictionary<'static>>) -> Encoder<'a> {
        let compressor = match dict {
            Some(d) => zstd::bulk::Compressor::with_prepared_dictionary(d),
            None => zstd::bulk::Compressor::new(ZSTD_LEVEL),
        }
        .expect("a zstd context");
        Encoder { compressor, format }
    }

    fn object<T: Serialize>(&mut self, v: &T) -> Vec<u8> {
        if self.format >= 2 {
            self.compressor
                .compress(&to_json(v))
                .expect("compressing into memory does not fail")
        } else {
            to_json(v)
        }
    }
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// The JSON of an object: format-2 objects are zstd frames, format-1 objects plain JSON (which
/// never starts with the zstd magic number).
pub fn decode(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, String> {
    decode_with(bytes, None)
}

/// [`decode`] for a manifest that names a dictionary (format 3): frames compressed with it
/// name its id, and are refused without it or with another one.
pub fn decode_with<'b>(
    bytes: &'b [u8],
    dict: Option<&Dictionary>,
) -> Result<std::borrow::Cow<'b, [u8]>, String> {
    if bytes.starts_with(&ZSTD_MAGIC) {
        // The frame declares its size (compress writes it): the buffer is allocated once.
        let size = zstd::zstd_safe::get_frame_content_size(bytes)
            .ok()
            .flatten()
            .map_or(MAX_OBJECT, |n| (n as usize).min(MAX_OBJECT));
        let wanted = zstd::zstd_safe::get_dict_id_from_frame(bytes);
        let mut d = match (wanted, dict) {
            (None, _) => zstd::bulk::Decompressor::new(),
            (Some(id), Some(dict))
                if zstd::zstd_safe::get_dict_id_from_dict(&dict.raw) == Some(id) =>
            {
                zstd::bulk::Decompressor::with_prepared_dictionary(&dict.decoder)
            }
            (Some(_), _) => return Err("压缩字典与对象不符".into()),
        }
        .map_err(|e| format!("无法解压：{e}"))?;
        d.decompress(bytes, size)
            .map(std::borrow::Cow::Owned)
            .map_err(|e| format!("无法解压：{e}"))
    } else {
        Ok(std::borrow::Cow::Borrowed(bytes))
    }
}

/// The content digest: SHA-256 over the base hash and the sorted `key hash` lines. It depends on
/// the content only (not on versions, bucket counts or file names).
pub fn digest(base: &str, entries: &[Entry]) -> String {
    let mut lines: Vec<String> = entries
        .iter()
        .map(|e| format!("{} {}\n", e.key, e.object.hash))
        .collect();
    lines.sort();
    let mut text = format!("base {base}\n");
    for l in lines {
        text.push_str(&l);
    }
    sha256_hex(text.as_bytes())
}

/// Splits content into objects, in the current format, as a first publish does: with the
/// dictionary [`train`] makes of this content (when the county is large enough for one).
pub fn pack(content: &Content) -> Packed {
    pack_with(content, FORMAT, train(content).map(Arc::new))
}

/// Splits content into objects in `format` (1, 2: the previous formats, for tests of kiosks
/// reading repositories not yet republished; 3 as [`pack`]).
pub fn pack_format(content: &Content, format: u32) -> Packed {
    if format >= 3 {
        pack(content)
    } else {
        pack_with(content, format, None)
    }
}

/// Splits content into objects in `format`, compressed with `dictionary` (format 3 only; a
/// publish that keeps the repository's dictionary passes it here).
pub fn pack_with(content: &Content, format: u32, dictionary: Option<Arc<Dictionary>>) -> Packed {
    let dictionary = dictionary.filter(|_| format >= 3);
    let encoder_dict = dictionary
        .as_ref()
        .map(|d| zstd::dict::EncoderDictionary::copy(&d.raw, ZSTD_LEVEL));
    let mut enc = Encoder::new(format, encoder_dict.as_ref());
    let base = Base {
        county: content.county.clone(),
        regions: content.regions.clone(),
        departments: content.departments.clone(),
        windows: content.windows.clone(),
        categories: content.categories.clone(),
        ratings: content.ratings.clone(),
    };
    let mut objects = BTreeMap::new();
    if let Some(d) = &dictionary {
        objects.insert(d.object.hash.clone(), d.body.clone());
    }
    let base_bytes = enc.object(&base);
    let base_ref = ObjectRef::of(&base_bytes);
    objects.insert(base_ref.hash.clone(), base_bytes);

    let mut entries = Vec::with_capacity(content.items.len() + content.notices.len());
    let mut docs = Vec::with_capacity(entries.capacity());
    for i in &content.items {
        docs.push((item_key(&i.id), enc.object(i)));
    }
    for n in &content.notices {
        docs.push((notice_key(&n.id), enc.object(n)));
    }
    for (key, bytes) in docs {
        let object = ObjectRef::of(&bytes);
        objects.insert(object.hash.clone(), bytes);
        entries.push(Entry { key, object });
    }
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    let digest = digest(&base_ref.hash, &entries);

    let n = bucket_count(entries.len(), format);
    let mut buckets = vec![
        Bucket {
            entries: Vec::new()
        };
        n
    ];
    for e in &entries {
        buckets[bucket_of(&e.key, n)].entries.push(e.clone());
    }
    let bucket_refs: Vec<ObjectRef> = buckets
        .iter()
        .map(|b| {
            let bytes = enc.object(b);
            let r = ObjectRef::of(&bytes);
            objects.insert(r.hash.clone(), bytes);
            r
        })
        .collect();
    let packs = if format < 2 {
        Vec::new()
    } else {
        bucket_refs
            .chunks(BUCKETS_PER_PACK)
            .zip(buckets.chunks(BUCKETS_PER_PACK))
            .map(|(refs, bs)| {
                let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
                let mut length = 0;
                for r in refs
                    .iter()
                    .chain(bs.iter().flat_map(|b| b.entries.iter().map(|e| &e.object)))
                {
                    ctx.update(&objects[&r.hash]);
                    length += r.length;
                }
                let hash = ctx
                    .finish()
                    .as_ref()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                ObjectRef { hash, length }
            })
            .collect()
    };
    let manifest = Manifest {
        format,
        region: content.county.region.clone(),
        digest,
        documents: entries.len() as u64,
        base: base_ref,
        buckets: bucket_refs,
        packs,
        dictionary: dictionary.as_ref().map(|d| d.object.clone()),
    };
    let manifest_bytes = to_json(&manifest);
    Packed {
        manifest,
        manifest_bytes,
        objects,
        dictionary,
    }
}

fn parse<T: for<'de> Deserialize<'de>>(what: &str, bytes: &[u8]) -> Result<T, PackError> {
    serde_json::from_slice(bytes).map_err(|e| PackError::Parse {
        what: what.to_string(),
        message: e.to_string(),
    })
}

/// Parses an object of any format (see [`decode_with`]).
fn parse_object<T: for<'de> Deserialize<'de>>(
    what: &str,
    bytes: &[u8],
    dict: Option<&Dictionary>,
) -> Result<T, PackError> {
    let json = decode_with(bytes, dict).map_err(|message| PackError::Parse {
        what: what.to_string(),
        message,
    })?;
    parse(what, &json)
}

/// The bytes of pack `j` of a packed version (what `publish` writes to `packs/HASH`): its
/// buckets, then their documents, in order.
pub fn pack_file(packed: &Packed, j: usize) -> Result<Vec<u8>, PackError> {
    let buckets = packed.manifest.pack_buckets(j);
    let get = |r: &ObjectRef| {
        packed
            .objects
            .get(&r.hash)
            .ok_or_else(|| PackError::Missing(r.hash.clone()))
    };
    let mut out = Vec::new();
    for b in buckets {
        out.extend_from_slice(get(b)?);
    }
    for b in buckets {
        for e in parse_bucket_with(get(b)?, packed.dictionary.as_deref())?.entries {
            out.extend_from_slice(get(&e.object)?);
        }
    }
    Ok(out)
}

pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, PackError> {
    // Read the format first, so a newer publisher gives "upgrade", not a parse error.
    #[derive(Deserialize)]
    struct Head {
        format: u32,
    }
    let head: Head = parse("manifest", bytes)?;
    if !(1..=FORMAT).contains(&head.format) {
        return Err(PackError::Format(head.format));
    }
    parse("manifest", bytes)
}

pub fn parse_bucket(bytes: &[u8]) -> Result<Bucket, PackError> {
    parse_bucket_with(bytes, None)
}

pub fn parse_bucket_with(bytes: &[u8], dict: Option<&Dictionary>) -> Result<Bucket, PackError> {
    parse_object("bucket", bytes, dict)
}

pub fn parse_base(bytes: &[u8]) -> Result<Base, PackError> {
    parse_base_with(bytes, None)
}

pub fn parse_base_with(bytes: &[u8], dict: Option<&Dictionary>) -> Result<Base, PackError> {
    parse_object("base", bytes, dict)
}

/// A guide or a notice, as one object.
// Documents are unpacked one at a time and moved straight into the content; boxing the larger
// variant would only add an allocation each.
#[allow(clippy::large_enum_variant)]
pub enum Document {
    Item(ServiceItem),
    Notice(Notice),
}

/// Parses the document a bucket lists under `key`, checking that its id is the key's.
pub fn parse_document(key: &str, bytes: &[u8]) -> Result<Document, PackError> {
    parse_document_with(key, bytes, None)
}

/// [`parse_document`] with the manifest's dictionary.
pub fn parse_document_with(
    key: &str,
    bytes: &[u8],
    dict: Option<&Dictionary>,
) -> Result<Document, PackError> {
    let mismatch = || PackError::Parse {
        what: key.to_string(),
        message: "编号与清单不一致".into(),
    };
    if let Some(id) = key.strip_prefix("item:") {
        let item: ServiceItem = parse_object(key, bytes, dict)?;
        if item.id != id {
            return Err(mismatch());
        }
        Ok(Document::Item(item))
    } else if let Some(id) = key.strip_prefix("notice:") {
        let notice: Notice = parse_object(key, bytes, dict)?;
        if notice.id != id {
            return Err(mismatch());
        }
        Ok(Document::Notice(notice))
    } else {
        Err(PackError::Parse {
            what: key.to_string(),
            message: "不认识的对象种类".into(),
        })
    }
}

/// Rebuilds content from a manifest and a way to get object bodies by hash (already verified;
/// the dictionary, when the manifest names one, too). Documents come out sorted by id,
/// whatever order they were authored in.
pub fn unpack(
    manifest: &Manifest,
    mut get: impl FnMut(&ObjectRef) -> Result<Vec<u8>, PackError>,
) -> Result<Content, PackError> {
    let dict = match &manifest.dictionary {
        Some(r) => Some(Dictionary::from_object(&get(r)?)?),
        None => None,
    };
    let dict = dict.as_ref();
    let base = parse_base_with(&get(&manifest.base)?, dict)?;
    let mut items = Vec::new();
    let mut notices = Vec::new();
    let mut entries = Vec::new();
    for b in &manifest.buckets {
        let bucket = parse_bucket_with(&get(b)?, dict)?;
        for e in bucket.entries {
            match parse_document_with(&e.key, &get(&e.object)?, dict)? {
                Document::Item(item) => items.push(item),
                Document::Notice(notice) => notices.push(notice),
            }
            entries.push(e);
        }
    }
    if digest(&manifest.base.hash, &entries) != manifest.digest {
        return Err(PackError::Parse {
            what: "manifest".into(),
            message: "内容摘要与清单不一致".into(),
        });
    }
    items.sort_by(|a, b| a.id.cmp(&b.id));
    notices.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Content {
        county: base.county,
        regions: base.regions,
        departments: base.departments,
        windows: base.windows,
        categories: base.categories,
        items,
        notices,
        ratings: base.ratings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get_from(p: &Packed) -> impl FnMut(&ObjectRef) -> Result<Vec<u8>, PackError> + '_ {
        |r| {
            p.objects
                .get(&r.hash)
                .cloned()
                .ok_or_else(|| PackError::Missing(r.hash.clone()))
        }
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let content = crate::sample::sample();
        let p = pack(&content);
        let back = unpack(&p.manifest, get_from(&p)).unwrap();
        let mut expected = content.clone();
        expected.items.sort_by(|a, b| a.id.cmp(&b.id));
        expected.notices.sort_by(|a, b| a.id.cmp(&b.id));
        assert_eq!(back, expected);
        assert_eq!(
            p.manifest.documents as usize,
            content.items.len() + content.notices.len()
        );
        for (h, body) in &p.objects {
            assert_eq!(&sha256_hex(body), h);
        }
    }

    #[test]
    fn digest_ignores_order_and_changes_with_any_field() {
        let content = crate::sample::sample();
        let a = pack(&content);
        let mut reordered = content.clone();
        reordered.items.reverse();
        assert_eq!(pack(&reordered).manifest.digest, a.manifest.digest);
        let mut changed = content.clone();
        changed.items[3].consult_phone.push('9');
        let c = pack(&changed);
        assert_ne!(c.manifest.digest, a.manifest.digest);
        // Only one document, its bucket and nothing else differ.
        let new: Vec<_> = c
            .objects
            .keys()
            .filter(|h| !a.objects.contains_key(*h))
            .collect();
        assert_eq!(new.len(), 2, "the changed guide and its bucket");
    }

    #[test]
    fn mismatched_id_and_wrong_digest_are_refused() {
        let content = crate::sample::sample();
        let mut p = pack(&content);
        p.manifest.digest = "0".repeat(64);
        assert!(unpack(&p.manifest, get_from(&p)).is_err());
        let newer = format!("{{\"format\": {}}}", FORMAT + 1);
        assert!(matches!(
            parse_manifest(newer.as_bytes()),
            Err(PackError::Format(_))
        ));
    }
}

#[cfg(test)]
mod dictionary_tests {
    use super::*;

    fn docs_bytes(p: &Packed) -> u64 {
        p.objects.values().map(|b| b.len() as u64).sum()
    }

    #[test]
    fn an_object_is_read_only_with_its_own_dictionary() {
        let a = crate::sample::generated(200);
        let mut b = a.clone();
        for i in &mut b.items {
            i.summary = format!("另一县的写法：{}", i.name);
        }
        let da = Arc::new(train_at_least(&a, 1).unwrap());
        let db = Arc::new(train_at_least(&b, 1).unwrap());
        assert_ne!(da.object, db.object);
        let p = pack_with(&a, FORMAT, Some(da.clone()));
        assert_eq!(p.manifest.dictionary.as_ref(), Some(&da.object));
        let base = &p.objects[&p.manifest.base.hash];
        assert!(decode_with(base, Some(&da)).is_ok());
        assert!(decode_with(base, Some(&db)).is_err());
        assert!(decode_with(base, None).is_err());
        // The dictionary object round-trips, and anything else is not a dictionary.
        let back = Dictionary::from_object(&da.body).unwrap();
        assert_eq!(back.raw(), da.raw());
        assert!(Dictionary::from_object(&compress(b"{}")).is_err());
        // unpack finds the dictionary through the manifest.
        let back = unpack(&p.manifest, |r| {
            p.objects
                .get(&r.hash)
                .cloned()
                .ok_or_else(|| PackError::Missing(r.hash.clone()))
        })
        .unwrap();
        assert_eq!(back.items.len(), a.items.len());
    }

    /// Sizes with and without a dictionary (`cargo test --lib dictionary_sizes -- --ignored
    /// --nocapture`): the figures ARCHITECTURE.md gives.
    #[test]
    #[ignore]
    fn dictionary_sizes() {
        for n in [1000, 2000, 10000] {
            let c = crate::sample::generated(n);
            let t = std::time::Instant::now();
            let plain = pack_with(&c, 3, None);
            let t_plain = t.elapsed().as_secs_f64();
            let t = std::time::Instant::now();
            let d = train_at_least(&c, 1);
            let t_train = t.elapsed().as_secs_f64();
            let d = d.map(Arc::new);
            let t = std::time::Instant::now();
            let with = pack_with(&c, 3, d.clone());
            let t_with = t.elapsed().as_secs_f64();
            let json: usize = c.items.iter().map(|i| to_json(i).len()).sum::<usize>()
                + c.notices.iter().map(|i| to_json(i).len()).sum::<usize>();
            println!(
                "{n}: json {json}, plain {} ({t_plain:.2} s), dict {:?} trained in {t_train:.2} s, with {} ({t_with:.2} s)",
                docs_bytes(&plain),
                d.as_ref().map(|d| (d.raw.len(), d.body.len())),
                docs_bytes(&with)
            );
        }
    }
}

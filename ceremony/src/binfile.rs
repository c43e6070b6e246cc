//! iden3's binary container shared by `.r1cs`, `.ptau`, `.zkey` and `.wtns`
//! (`@iden3/binfileutils`): a 4-byte magic, a `u32` version, a `u32` section count, then
//! sections, each a `u32` type, a `u64` byte length and the bytes. All integers are little
//! endian. A type may appear more than once; zkcredit reads files whose sections are unique.

use crate::CeremonyError;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A bin file opened for reading: the section table, and the file to read slices from.
#[derive(Debug)]
pub struct BinReader {
    path: PathBuf,
    file: File,
    len: u64,
    /// Section type → (byte offset of its data, length).
    sections: BTreeMap<u32, (u64, u64)>,
}

impl BinReader {
    /// Opens `path`, checks its magic and version, and reads the section table.
    ///
    /// # Errors
    /// [`CeremonyError::Format`] for a wrong magic, an unsupported version, a duplicated
    /// section or a section that runs past the end of the file (a truncated file).
    pub fn open(path: &Path, magic: &[u8; 4], max_version: u32) -> Result<Self, CeremonyError> {
        let mut file = File::open(path).map_err(CeremonyError::io(path))?;
        let len = file.metadata().map_err(CeremonyError::io(path))?.len();
        let name = path.display().to_string();
        let bad = |r: String| CeremonyError::format(name.clone(), r);
        let mut head = [0u8; 12];
        file.read_exact(&mut head)
            .map_err(|_| bad("truncated: no file header".into()))?;
        if &head[..4] != magic {
            return Err(bad(format!(
                "not a .{} file (magic {:?})",
                String::from_utf8_lossy(magic),
                String::from_utf8_lossy(&head[..4])
            )));
        }
        let version = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        if version == 0 || version > max_version {
            return Err(bad(format!("unsupported version {version}")));
        }
        let n = u32::from_le_bytes([head[8], head[9], head[10], head[11]]);
        let mut sections = BTreeMap::new();
        let mut pos = 12u64;
        for _ in 0..n {
            let mut sh = [0u8; 12];
            file.read_exact(&mut sh)
                .map_err(|_| bad(format!("truncated: section header at byte {pos}")))?;
            let ty = u32::from_le_bytes([sh[0], sh[1], sh[2], sh[3]]);
            let size =
                u64::from_le_bytes([sh[4], sh[5], sh[6], sh[7], sh[8], sh[9], sh[10], sh[11]]);
            let start = pos + 12;
            let end = start
                .checked_add(size)
                .filter(|&e| e <= len)
                .ok_or_else(|| bad(format!("truncated: section {ty} needs {size} bytes at byte {start}, the file has {len}")))?;
            if sections.insert(ty, (start, size)).is_some() {
                return Err(bad(format!("section {ty} appears twice")));
            }
            file.seek(SeekFrom::Start(end))
                .map_err(CeremonyError::io(path))?;
            pos = end;
        }
        Ok(Self {
            path: path.to_path_buf(),
            file,
            len,
            sections,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The byte length of section `ty`.
    ///
    /// # Errors
    /// [`CeremonyError::Format`] if the section is missing.
    pub fn section_len(&self, ty: u32) -> Result<u64, CeremonyError> {
        self.sections
            .get(&ty)
            .map(|s| s.1)
            .ok_or_else(|| self.err(format!("section {ty} is missing")))
    }

    /// Whether section `ty` is present.
    pub fn has(&self, ty: u32) -> bool {
        self.sections.contains_key(&ty)
    }

    /// `len` bytes of section `ty` from `offset` within it.
    ///
    /// # Errors
    /// [`CeremonyError::Format`] if the section is missing or shorter than asked.
    pub fn read(&mut self, ty: u32, offset: u64, len: u64) -> Result<Vec<u8>, CeremonyError> {
        let (start, size) = *self
            .sections
            .get(&ty)
            .ok_or_else(|| self.err(format!("section {ty} is missing")))?;
        if offset.checked_add(len).is_none_or(|e| e > size) {
            return Err(self.err(format!(
                "section {ty} has {size} bytes, {len} needed at offset {offset}"
            )));
        }
        debug_assert!(start + offset + len <= self.len);
        let n = usize::try_from(len).map_err(|_| self.err("section too large".into()))?;
        let mut buf = vec![0u8; n];
        self.file
            .seek(SeekFrom::Start(start + offset))
            .map_err(CeremonyError::io(&self.path))?;
        self.file
            .read_exact(&mut buf)
            .map_err(CeremonyError::io(&self.path))?;
        Ok(buf)
    }

    /// The whole of section `ty`.
    ///
    /// # Errors
    /// As [`BinReader::read`].
    pub fn section(&mut self, ty: u32) -> Result<Vec<u8>, CeremonyError> {
        let len = self.section_len(ty)?;
        self.read(ty, 0, len)
    }

    /// An error about this file.
    pub fn err(&self, reason: String) -> CeremonyError {
        CeremonyError::format(self.path.display().to_string(), reason)
    }
}

/// A bin file assembled in memory, written with [`BinWriter::write`].
#[derive(Debug)]
pub struct BinWriter {
    bytes: Vec<u8>,
}

impl BinWriter {
    /// A file with `magic`, `version` and `n_sections` sections to come.
    pub fn new(magic: &[u8; 4], version: u32, n_sections: u32) -> Self {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(magic);
        bytes.extend_from_slice(&version.to_le_bytes());
        bytes.extend_from_slice(&n_sections.to_le_bytes());
        Self { bytes }
    }

    /// Appends section `ty` with `data`.
    pub fn section(&mut self, ty: u32, data: &[u8]) {
        self.bytes.extend_from_slice(&ty.to_le_bytes());
        self.bytes
            .extend_from_slice(&(data.len() as u64).to_le_bytes());
        self.bytes.extend_from_slice(data);
    }

    /// The file's bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Writes the file through a temporary file and a rename.
    ///
    /// # Errors
    /// [`CeremonyError::Io`].
    pub fn write(self, path: &Path) -> Result<(), CeremonyError> {
        write_atomic(path, &self.bytes)
    }
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), CeremonyError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(CeremonyError::io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(CeremonyError::io(path))
}

/// A little-endian cursor over a section's bytes, with errors naming the section.
pub(crate) struct Cursor<'a> {
    pub bytes: &'a [u8],
    pub pos: usize,
    pub what: String,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8], what: impl Into<String>) -> Self {
        Self {
            bytes,
            pos: 0,
            what: what.into(),
        }
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], CeremonyError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(CeremonyError::format(
                self.what.clone(),
                format!("truncated: {n} bytes needed at offset {}", self.pos),
            ));
        };
        let s = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    pub fn u32(&mut self) -> Result<u32, CeremonyError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn u64(&mut self) -> Result<u64, CeremonyError> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    pub fn finish(&self) -> Result<(), CeremonyError> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(CeremonyError::format(
                self.what.clone(),
                format!("{} trailing bytes", self.bytes.len() - self.pos),
            ))
        }
    }
}

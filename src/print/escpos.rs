//! ESC/POS for receipt printers: a slip drawn as one raster image, so every character prints
//! exactly as the kiosk's fonts draw it (rare characters of village and people's names
//! included), whatever fonts the printer has.
//!
//! The bytes: `ESC @` (reset), the image in bands of `GS v 0` (one bit a dot, 1 = black, the
//! leftmost dot in the high bit), `ESC d n` (feed the slip out past the tear bar), `GS V 66 0`
//! (cut, where there is a cutter; printers without one ignore it). Bands keep each command within
//! what cheap 58 mm printers buffer. [`decode`] reads these bytes back, so tests can check the
//! exact bytes a printer would get against the image that was meant.

use image::{GrayImage, Luma};

/// Paper widths of the receipt printers counties buy, by printable dots at 203 dpi.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// 58 mm paper: 48 mm printable, 384 dots.
    Mm58,
    /// 80 mm paper: 72 mm printable, 576 dots.
    Mm80,
}

impl Paper {
    /// From the width in millimetres in `kiosk.toml` (58 or 80).
    pub fn from_mm(mm: u32) -> Option<Paper> {
        match mm {
            58 => Some(Paper::Mm58),
            80 => Some(Paper::Mm80),
            _ => None,
        }
    }

    /// Printable width in dots.
    pub fn dots(self) -> u32 {
        match self {
            Paper::Mm58 => 384,
            Paper::Mm80 => 576,
        }
    }
}

/// Rows per `GS v 0` command.
const BAND_ROWS: u32 = 128;
/// Lines fed after the image so the slip's end clears the tear bar.
const FEED_LINES: u8 = 4;
/// Grey levels at or below this print black. Anti-aliased text edges split evenly.
const THRESHOLD: u8 = 127;

/// The bytes that print `image` (white is paper), then feed and cut. Images wider than the
/// paper are refused; narrower ones print from the left margin, padded to whole bytes.
pub fn encode(image: &GrayImage, paper: Paper) -> Result<Vec<u8>, String> {
    let (width, height) = image.dimensions();
    if width > paper.dots() {
        return Err(format!("图像宽 {width} 点，超过纸宽 {} 点", paper.dots()));
    }
    let row_bytes = width.div_ceil(8);
    let mut out = Vec::with_capacity(
        16 + (row_bytes * height) as usize + 8 * height.div_ceil(BAND_ROWS) as usize,
    );
    out.extend_from_slice(&[0x1B, 0x40]);
    let mut top = 0;
    while top < height {
        let rows = BAND_ROWS.min(height - top);
        out.extend_from_slice(&[0x1D, 0x76, 0x30, 0x00]);
        out.extend_from_slice(&(row_bytes as u16).to_le_bytes());
        out.extend_from_slice(&(rows as u16).to_le_bytes());
        for y in top..top + rows {
            for byte in 0..row_bytes {
                let mut bits = 0u8;
                for bit in 0..8 {
                    let x = byte * 8 + bit;
                    if x < width && image.get_pixel(x, y)[0] <= THRESHOLD {
                        bits |= 0x80 >> bit;
                    }
                }
                out.push(bits);
            }
        }
        top += rows;
    }
    out.extend_from_slice(&[0x1B, 0x64, FEED_LINES]);
    out.extend_from_slice(&[0x1D, 0x56, 0x42, 0x00]);
    Ok(out)
}

/// What a printer would do with the bytes: the image it would print (black 0, white 255),
/// whether it was asked to cut, and the lines fed.
#[derive(Debug)]
pub struct Printed {
    pub image: GrayImage,
    pub cut: bool,
    pub fed_lines: u32,
}

/// Reads bytes made by [`encode`] back into the printed image. Anything else (an unknown
/// command, a band cut short, bands of different widths) is an error naming the offset.
pub fn decode(bytes: &[u8]) -> Result<Printed, String> {
    let mut rows: Vec<Vec<u8>> = Vec::new();
    let mut row_bytes = None;
    let (mut cut, mut fed_lines) = (false, 0);
    let mut i = 0;
    let need = |i: usize, n: usize| {
        if i + n <= bytes.len() {
            Ok(())
        } else {
            Err(format!("第 {i} 字节处的命令不完整"))
        }
    };
    while i < bytes.len() {
        match &bytes[i..] {
            [0x1B, 0x40, ..] => i += 2,
            [0x1B, 0x64, n, ..] => {
                fed_lines += u32::from(*n);
                i += 3;
            }
            [0x1D, 0x56, 0x42, _, ..] => {
                cut = true;
                i += 4;
            }
            [0x1D, 0x76, 0x30, 0x00, ..] => {
                need(i, 8)?;
                let x = u16::from_le_bytes([bytes[i + 4], bytes[i + 5]]) as usize;
                let y = u16::from_le_bytes([bytes[i + 6], bytes[i + 7]]) as usize;
                if *row_bytes.get_or_insert(x) != x {
                    return Err(format!("第 {i} 字节处的图像带宽度与前面的不同"));
                }
                i += 8;
                need(i, x * y)?;
                rows.extend(bytes[i..i + x * y].chunks(x.max(1)).map(<[u8]>::to_vec));
                i += x * y;
            }
            _ => return Err(format!("第 {i} 字节处是不认识的命令 0x{:02X}", bytes[i])),
        }
    }
    let width = row_bytes.unwrap_or(0) as u32 * 8;
    let image = GrayImage::from_fn(width, rows.len() as u32, |x, y| {
        let byte = rows[y as usize][(x / 8) as usize];
        if byte & (0x80 >> (x % 8)) != 0 {
            Luma([0])
        } else {
            Luma([255])
        }
    });
    Ok(Printed {
        image,
        cut,
        fed_lines,
    })
}

/// `image` as the printer would print it: every pixel black or white by the same threshold,
/// padded on the right to whole bytes. Tests compare this with [`decode`]'s image.
pub fn as_printed(image: &GrayImage) -> GrayImage {
    let width = image.width().div_ceil(8) * 8;
    GrayImage::from_fn(width, image.height(), |x, y| {
        if x < image.width() && image.get_pixel(x, y)[0] <= THRESHOLD {
            Luma([0])
        } else {
            Luma([255])
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pattern with every kind of edge: stripes, a diagonal, grey levels either side of the
    /// threshold.
    fn pattern(width: u32, height: u32) -> GrayImage {
        GrayImage::from_fn(width, height, |x, y| {
            let v = (x * 7 + y * 13) % 256;
            Luma([if x == y { 0 } else { v as u8 }])
        })
    }

    #[test]
    fn the_printed_image_is_the_thresholded_image() {
        for (w, h) in [(384, 1), (384, 300), (576, 129), (101, 7)] {
            let img = pattern(w, h);
            let paper = if w > 384 { Paper::Mm80 } else { Paper::Mm58 };
            let printed = decode(&encode(&img, paper).unwrap()).unwrap();
            assert_eq!(printed.image, as_printed(&img), "{w}×{h}");
            assert!(printed.cut);
            assert_eq!(printed.fed_lines, u32::from(FEED_LINES));
        }
    }

    #[test]
    fn tall_slips_go_in_bands_a_cheap_printer_can_buffer() {
        let img = pattern(384, 1000);
        let bytes = encode(&img, Paper::Mm58).unwrap();
        let bands = bytes
            .windows(4)
            .filter(|w| w == &[0x1D, 0x76, 0x30, 0x00])
            .count();
        assert_eq!(bands, 1000usize.div_ceil(BAND_ROWS as usize));
        assert_eq!(bytes[..2], [0x1B, 0x40], "starts with a reset");
    }

    #[test]
    fn black_is_one_and_the_leftmost_dot_is_the_high_bit() {
        let mut img = GrayImage::from_pixel(16, 1, Luma([255]));
        img.put_pixel(0, 0, Luma([0]));
        img.put_pixel(9, 0, Luma([100]));
        let bytes = encode(&img, Paper::Mm58).unwrap();
        // ESC @, then GS v 0 0, x = 2, y = 1, the row.
        assert_eq!(
            bytes[2..12],
            [0x1D, 0x76, 0x30, 0x00, 2, 0, 1, 0, 0x80, 0x40]
        );
    }

    #[test]
    fn too_wide_for_the_paper_is_refused() {
        let err = encode(&pattern(385, 2), Paper::Mm58).unwrap_err();
        assert!(err.contains("384"), "{err}");
        assert!(encode(&pattern(576, 2), Paper::Mm80).is_ok());
    }

    #[test]
    fn broken_bytes_are_named_not_misread() {
        let bytes = encode(&pattern(64, 10), Paper::Mm58).unwrap();
        let err = decode(&bytes[..20]).unwrap_err();
        assert!(err.contains("不完整"), "{err}");
        let mut odd = bytes.clone();
        odd.insert(2, 0x07);
        assert!(decode(&odd).unwrap_err().contains("0x07"));
    }

    #[test]
    fn paper_widths_from_the_config() {
        assert_eq!(Paper::from_mm(58).map(Paper::dots), Some(384));
        assert_eq!(Paper::from_mm(80).map(Paper::dots), Some(576));
        assert_eq!(Paper::from_mm(76), None);
    }
}

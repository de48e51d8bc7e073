#!/usr/bin/env bash
# Regenerates the embedded UI fonts from Noto Sans CJK SC (SIL OFL 1.1):
# - Regular and Bold: GB 2312 (the 6,763 common characters) plus every character in
#   data/sample. This keeps the stripped binary, with both the desktop (winit) and the kiosk
#   (linuxkms) backends, under 40 MB; GBK for Regular (9.3 MB) no longer fit.
# Both add Latin, digits, punctuation and the symbols the UI uses. Characters missing from a
# face fall back to the system's fonts (the Debian package recommends fonts-noto-cjk).
# Needs: apt-get install fonts-noto-cjk; pip install fonttools. The output is committed, so
# builds never need this script.
set -euo pipefail
cd "$(dirname "$0")"
src=/usr/share/fonts/opentype/noto
python3 - <<'PY'
import pathlib

def two_byte(codec, lo):
    out = set()
    for b1 in range(0x81, 0xFF):
        for b2 in range(lo, 0xFF):
            try:
                out.update(bytes([b1, b2]).decode(codec))
            except UnicodeDecodeError:
                pass
    return out

common = set()
common.update(chr(c) for c in range(0x20, 0x7F))        # ASCII
common.update(chr(c) for c in range(0xA0, 0x180))       # Latin-1, Latin Extended-A (ü in pinyin)
common.update("ǎǐǒǔǘǚǜǖāēīōūǎěàèìòùáéíóú·—–‘’“”…※→←↑↓✓✔✕✗●○■□▲△★☆①②③④⑤⑥⑦⑧⑨⑩〔〕【】《》〈〉「」『』、。，；：？！（）￥›‹")
common.update(chr(c) for c in range(0x3000, 0x3040))    # CJK symbols and punctuation
common.update(chr(c) for c in range(0xFF01, 0xFF5F))    # full-width forms
sample = set()
for f in pathlib.Path("../../data/sample").rglob("*.toml"):
    sample.update(f.read_text(encoding="utf-8"))
sample = {c for c in sample if ord(c) >= 0x80}
regular = common | two_byte("gb2312", 0xA1) | sample
bold = common | two_byte("gb2312", 0xA1) | sample
open("charset-Regular.txt", "w", encoding="utf-8").write("".join(sorted(regular)))
open("charset-Bold.txt", "w", encoding="utf-8").write("".join(sorted(bold)))
PY
for w in Regular Bold; do
  pyftsubset "$src/NotoSansCJK-$w.ttc" --font-number=2 --text-file="charset-$w.txt" \
    --layout-features='*' --no-hinting --output-file="NotoSansSC-$w-subset.otf"
  rm "charset-$w.txt"
done
ls -l NotoSansSC-*-subset.otf

# A 15 KB Latin-only font under its own family name. Banshi points fontconfig at it so that
# fontconfig always finds at least one font: Slint's font library panics when it finds none.
pyftsubset "$src/NotoSansCJK-Regular.ttc" --font-number=2 --unicodes="U+0020-007E" --no-hinting \
  --output-file=banshi-fallback.otf
python3 - <<'PY'
from fontTools.ttLib import TTFont
f = TTFont("banshi-fallback.otf")
for rec in f["name"].names:
    if rec.nameID in (1, 3, 16):
        rec.string = "Banshi Fontconfig Fallback"
    elif rec.nameID == 4:
        rec.string = "Banshi Fontconfig Fallback Regular"
    elif rec.nameID == 6:
        rec.string = "BanshiFontconfigFallback-Regular"
f.save("banshi-fallback.otf")
PY

#!/usr/bin/env bash
# Regenerates the embedded UI fonts: Noto Sans CJK SC (SIL OFL 1.1) Regular and Bold, subset to
# every character of GBK (all 21,003 Chinese characters in GBK plus Latin, digits, punctuation
# and the symbols the UI uses). Rare characters outside GBK fall back to the system's fonts
# (the Debian package recommends fonts-noto-cjk). Needs: apt-get install fonts-noto-cjk;
# pip install fonttools. The output is committed, so builds never need this script.
set -euo pipefail
cd "$(dirname "$0")"
src=/usr/share/fonts/opentype/noto
python3 - <<'PY'
chars = set()
# every character GBK can encode (covers GB 2312 and the CJK Unified Ideographs block)
for b1 in range(0x81, 0xFF):
    for b2 in range(0x40, 0xFF):
        try:
            chars.update(bytes([b1, b2]).decode("gbk"))
        except UnicodeDecodeError:
            pass
chars.update(chr(c) for c in range(0x20, 0x7F))        # ASCII
chars.update(chr(c) for c in range(0xA0, 0x180))       # Latin-1, Latin Extended-A (ü in pinyin)
chars.update("ǎǐǒǔǘǚǜǖāēīōūǎěàèìòùáéíóú·—–‘’“”…※→←↑↓✓✔✕✗●○■□▲△★☆①②③④⑤⑥⑦⑧⑨⑩〔〕【】《》〈〉「」『』、。，；：？！（）￥")
chars.update(chr(c) for c in range(0x3000, 0x3040))    # CJK symbols and punctuation
chars.update(chr(c) for c in range(0xFF01, 0xFF5F))    # full-width forms
open("charset.txt", "w", encoding="utf-8").write("".join(sorted(chars)))
PY
for w in Regular Bold; do
  pyftsubset "$src/NotoSansCJK-$w.ttc" --font-number=2 --text-file=charset.txt \
    --layout-features='*' --no-hinting --output-file="NotoSansSC-$w-subset.otf"
done
rm charset.txt
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

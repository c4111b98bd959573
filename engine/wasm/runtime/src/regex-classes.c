/* The Perl (\d \s \w) and POSIX ([:alpha:]) classes of Go's regexp syntax, ASCII only as in Go;
 * the Unicode classes are generated into regex-unicode-categories.c and regex-unicode-scripts.c
 * (tools/gen-regex-unicode.mjs). */
#include "regex-classes.h"

const class_table perl_classes[] = {
  {"d", (const rx_range[]){{48, 57}}, NULL, 1},
  {"s", (const rx_range[]){{9, 10}, {12, 13}, {32, 32}}, NULL, 3},
  {"w", (const rx_range[]){{48, 57}, {65, 90}, {95, 95}, {97, 122}}, NULL, 4},
  {NULL, NULL, NULL, 0},
};

const class_table posix_classes[] = {
  {"alnum", (const rx_range[]){{48, 57}, {65, 90}, {97, 122}}, NULL, 3},
  {"alpha", (const rx_range[]){{65, 90}, {97, 122}}, NULL, 2},
  {"ascii", (const rx_range[]){{0, 127}}, NULL, 1},
  {"blank", (const rx_range[]){{9, 9}, {32, 32}}, NULL, 2},
  {"cntrl", (const rx_range[]){{0, 31}, {127, 127}}, NULL, 2},
  {"digit", (const rx_range[]){{48, 57}}, NULL, 1},
  {"graph", (const rx_range[]){{33, 126}}, NULL, 1},
  {"lower", (const rx_range[]){{97, 122}}, NULL, 1},
  {"print", (const rx_range[]){{32, 126}}, NULL, 1},
  {"punct", (const rx_range[]){{33, 47}, {58, 64}, {91, 96}, {123, 126}}, NULL, 4},
  {"space", (const rx_range[]){{9, 13}, {32, 32}}, NULL, 2},
  {"upper", (const rx_range[]){{65, 90}}, NULL, 1},
  {"word", (const rx_range[]){{48, 57}, {65, 90}, {95, 95}, {97, 122}}, NULL, 4},
  {"xdigit", (const rx_range[]){{48, 57}, {65, 70}, {97, 102}}, NULL, 3},
  {NULL, NULL, NULL, 0},
};

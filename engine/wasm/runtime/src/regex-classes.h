/* Named character classes of the regexp syntax: Perl and POSIX classes in regex-classes.c; the
 * Unicode ones in the generated regex-unicode-categories.c and regex-unicode-scripts.c. */
#ifndef OPA_REGEX_CLASSES_H
#define OPA_REGEX_CLASSES_H

#include "regex.h"

/* Either `ranges` (sorted, disjoint) or `packed` (LEB128 pairs: gap after the previous range's
 * end, then length - 1) holds the n ranges. */
typedef struct {
  const char *name;
  const rx_range *ranges;
  const uint8_t *packed;
  uint32_t n;
} class_table;

extern const class_table perl_classes[];
extern const class_table posix_classes[];
extern const class_table unicode_categories[]; /* \p{Lu}, \p{L}, \p{LC}, \p{Any} */
extern const class_table unicode_scripts[];    /* \p{Greek} */

#endif

/* filetoken — a model name as it may appear inside a results file name.  Imported models are
 * named by their path (petab:models/petab/collection/Boehm_JProteomeRes2014), whose '/' would
 * make a file name a path: every '/' becomes '_'.  Other names are unchanged. */
#ifndef ODEGRAD_FILETOKEN_H
#define ODEGRAD_FILETOKEN_H

#include <stddef.h>

/* Write the token of name into out (len bytes, always NUL-terminated); returns out. */
const char *file_token(const char *name, char *out, size_t len);

#endif

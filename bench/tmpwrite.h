/* tmpwrite — writing a results file whole or not at all: the text goes to a temporary file
 * of this process (PATH.<pid>.tmp, so concurrent runs never share one) and is renamed over
 * PATH only once it is completely written, so a reader never sees half a file. */
#ifndef ODEGRAD_TMPWRITE_H
#define ODEGRAD_TMPWRITE_H

#include <stddef.h>
#include <stdio.h>

/* Open the temporary file of path (its name into tmp); NULL with a message in err. */
FILE *tmpwrite_open(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen);
/* Close f and rename tmp over path: 0, or -1 with a message (tmp removed). */
int tmpwrite_commit(FILE *f, const char *tmp, const char *path, char *err, size_t errlen);

#endif

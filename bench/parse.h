/* parse — strict reading of the numbers and lists a user types (CLI flags, spec files):
 * the whole text must be the number, NaN and infinities are refused, and every failure
 * is a sentence naming what was wrong. */
#ifndef ODEGRAD_PARSE_H
#define ODEGRAD_PARSE_H

#include <stddef.h>

/* what: how to name the value in a message, e.g. "--rtol". Return 0, or -1 with a message. */
int parse_double(const char *text, const char *what, double *out, char *err, size_t errlen);
int parse_positive(const char *text, const char *what, double *out, char *err, size_t errlen);
int parse_long(const char *text, const char *what, long min, long max, long *out, char *err,
               size_t errlen);
/* "v1,v2,..." into a malloc'd array of finite numbers (*out, *count). */
int parse_vector(const char *text, const char *what, double **out, int *count, char *err,
                 size_t errlen);
/* "key=value": the key (malloc'd) and a pointer into text for the value. */
int parse_key_value(const char *text, const char *what, char **key, const char **value,
                    char *err, size_t errlen);

#endif

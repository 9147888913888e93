/* parse — strict numbers and lists from user input. */
#include "parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int parse_double(const char *text, const char *what, double *out, char *err, size_t errlen)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0') {
        snprintf(err, errlen, "%s: '%s' is not a number (write e.g. 1e-8 or 0.5)", what, text);
        return -1;
    }
    if (isnan(v)) {
        snprintf(err, errlen, "%s: NaN is not allowed; give a finite number", what);
        return -1;
    }
    if (isinf(v) && errno != ERANGE) {
        snprintf(err, errlen, "%s: '%s' is not finite; give a finite number", what, text);
        return -1;
    }
    if (!isfinite(v) || errno == ERANGE) {
        snprintf(err, errlen, "%s: '%s' is out of range; give a finite number", what, text);
        return -1;
    }
    *out = v;
    return 0;
}

int parse_positive(const char *text, const char *what, double *out, char *err, size_t errlen)
{
    if (parse_double(text, what, out, err, errlen) != 0)
        return -1;
    if (*out <= 0) {
        snprintf(err, errlen, "%s must be a positive number, not %s (e.g. %s 1e-8)", what, text, what);
        return -1;
    }
    return 0;
}

int parse_long(const char *text, const char *what, long min, long max, long *out, char *err,
               size_t errlen)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE) {
        snprintf(err, errlen, "%s: '%s' is not a whole number", what, text);
        return -1;
    }
    if (v < min || v > max) {
        snprintf(err, errlen, "%s must lie between %ld and %ld, not %ld", what, min, max, v);
        return -1;
    }
    *out = v;
    return 0;
}

int parse_vector(const char *text, const char *what, double **out, int *count, char *err,
                 size_t errlen)
{
    int n = 1;
    for (const char *p = text; *p; p++)
        n += *p == ',';
    double *values = malloc((size_t)n * sizeof *values);
    char *copy = strdup(text);
    if (!values || !copy) {
        free(values);
        free(copy);
        snprintf(err, errlen, "%s: out of memory", what);
        return -1;
    }
    char *item = copy;
    for (int i = 0; i < n; i++) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        char label[64];
        snprintf(label, sizeof label, "%s entry %d", what, i + 1);
        if (*item == '\0') {
            snprintf(err, errlen, "%s is empty; write the values as v1,v2,...", label);
            goto fail;
        }
        if (parse_double(item, label, &values[i], err, errlen) != 0)
            goto fail;
        item = comma ? comma + 1 : item;
    }
    free(copy);
    *out = values;
    *count = n;
    return 0;
fail:
    free(copy);
    free(values);
    return -1;
}

int parse_key_value(const char *text, const char *what, char **key, const char **value,
                    char *err, size_t errlen)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text || eq[1] == '\0') {
        snprintf(err, errlen, "%s needs key=value, not '%s'", what, text);
        return -1;
    }
    *key = strndup(text, (size_t)(eq - text));
    if (!*key) {
        snprintf(err, errlen, "%s: out of memory", what);
        return -1;
    }
    *value = eq + 1;
    return 0;
}

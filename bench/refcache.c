/* refcache — the per-study cache of reference gradients. */
#include "refcache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "parse.h"

void refcache_key(const double *theta, int np, char key[17])
{
    /* FNV-1a, 64 bit */
    uint64_t h = 1469598103934665603ull;
    const unsigned char *bytes = (const unsigned char *)theta;
    for (size_t i = 0; i < (size_t)np * sizeof *theta; i++) {
        h ^= bytes[i];
        h *= 1099511628211ull;
    }
    snprintf(key, 17, "%016llx", (unsigned long long)h);
}

char *refcache_line(const char *model_name, const char *key, int np, const reference *ref)
{
    char *line = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&line, &len);
    if (!f)
        return NULL;
    char source[sizeof ref->source];
    snprintf(source, sizeof source, "%s", ref->source);
    for (char *p = source; *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r')
            *p = ' ';
    fprintf(f, "%s\t%s\t%s\t", model_name, key, source);
    if (!ref->have)
        fputc('-', f);
    for (int i = 0; ref->have && i < np; i++)
        fprintf(f, "%s%.17g", i ? "," : "", ref->gradient[i]);
    if (ref->hessian_source[0]) {
        snprintf(source, sizeof source, "%s", ref->hessian_source);
        for (char *p = source; *p; p++)
            if (*p == '\t' || *p == '\n' || *p == '\r')
                *p = ' ';
        fprintf(f, "\t%s\t", source);
        if (!ref->hessian)
            fputc('-', f);
        for (long i = 0; ref->hessian && i < (long)np * np; i++)
            fprintf(f, "%s%.17g", i ? "," : "", ref->hessian[i]);
    }
    fputc('\n', f);
    fclose(f);
    return line;
}

int refcache_line_valid(const char *line, const char *model_name)
{
    size_t len = strlen(line), name_len = strlen(model_name);
    int tabs = 0;
    for (const char *p = line; *p; p++)
        tabs += *p == '\t';
    return len > name_len + 1 && strncmp(line, model_name, name_len) == 0 &&
           line[name_len] == '\t' && line[len - 1] == '\n' && (tabs == 3 || tabs == 5) &&
           !memchr(line, '\n', len - 1);
}

/* The Hessian fields of a cache line (text after the gradient's tab), if any, into ref. */
static void lookup_hessian(char *fields, int np, reference *ref)
{
    char *tab = fields ? strchr(fields, '\t') : NULL;
    if (!tab)
        return;
    *tab = '\0';
    double *values = NULL;
    int count = 0;
    char err[256];
    if (strcmp(tab + 1, "-") == 0)
        reference_set_hessian(ref, np, NULL, fields);
    else if (parse_vector(tab + 1, "reference Hessian", &values, &count, err, sizeof err) == 0 &&
             count == np * np)
        reference_set_hessian(ref, np, values, fields);
    free(values);
}

int refcache_lookup(const char *path, const char *model_name, const char *key, int np,
                    reference *ref)
{
    FILE *f = fopen(path, "r");
    char *text = NULL;
    size_t cap = 0;
    int found = 0;
    memset(ref, 0, sizeof *ref);
    while (f && getline(&text, &cap, f) > 0) {
        char *tab1 = strchr(text, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
        char *tab3 = tab2 ? strchr(tab2 + 1, '\t') : NULL;
        size_t len = strlen(text);
        if (!tab3 || text[len - 1] != '\n')
            continue;                       /* a line cut short */
        text[len - 1] = '\0';
        *tab1 = *tab2 = *tab3 = '\0';
        if (strcmp(text, model_name) != 0 || strcmp(tab1 + 1, key) != 0)
            continue;
        /* the optional Hessian fields follow the gradient */
        char *tab4 = strchr(tab3 + 1, '\t');
        if (tab4)
            *tab4 = '\0';
        double *values = NULL;
        int count = 0, ok = 0;
        char err[256];
        if (strcmp(tab3 + 1, "-") == 0) {
            reference_free(ref);
            ok = reference_set(ref, np, NULL, tab2 + 1) == 0;
        } else if (parse_vector(tab3 + 1, "reference", &values, &count, err, sizeof err) == 0) {
            if (count == np) {
                reference_free(ref);
                ok = reference_set(ref, np, values, tab2 + 1) == 0;
            }
            free(values);
        }
        if (ok) {
            lookup_hessian(tab4 ? tab4 + 1 : NULL, np, ref);
            found = 1;
        }
    }
    free(text);
    if (f)
        fclose(f);
    return found;
}

int refcache_append(const char *path, const char *line, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    /* a line cut short by a kill must not swallow this one */
    char last = '\n';
    off_t size = lseek(fd, 0, SEEK_END);
    if (size > 0 && pread(fd, &last, 1, size - 1) != 1)
        last = '\n';
    size_t len = line ? strlen(line) : 0;   /* NULL: only make sure the file exists */
    int bad = len && ((last != '\n' && write(fd, "\n", 1) != 1) ||
                      write(fd, line, len) != (ssize_t)len);
    close(fd);
    if (bad) {
        snprintf(err, errlen, "cannot append to %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

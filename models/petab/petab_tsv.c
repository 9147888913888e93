/* petab_tsv — reading a PEtab table (see petab_tsv.h). */
#include "petab_tsv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *dup_range(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* Split one line at tabs into at most max cells (written to out); returns the count, or -1
 * when there are more than max, or -2 when out of memory. */
static int split(const char *line, char **out, int max)
{
    int n = 0;
    const char *s = line;
    for (;;) {
        const char *tab = strchr(s, '\t');
        const size_t len = tab ? (size_t)(tab - s) : strlen(s);
        if (n == max)
            return -1;
        out[n] = dup_range(s, len);
        if (!out[n])
            return -2;
        n++;
        if (!tab)
            return n;
        s = tab + 1;
    }
}

static int fail(char *err, size_t errlen, const char *path, const char *what, int line)
{
    if (err && errlen) {
        if (line > 0)
            snprintf(err, errlen, "%s: line %d: %s", path, line, what);
        else
            snprintf(err, errlen, "%s: %s", path, what);
    }
    return -1;
}

int petab_tsv_read(const char *path, petab_tsv *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(err, errlen, path, strerror(errno), 0);
    t->path = dup_range(path, strlen(path));
    char *buf = NULL;
    size_t cap = 0;
    ssize_t got;
    int lineno = 0, cap_rows = 0, status = 0;
    char **cells = NULL;
    while ((got = getline(&buf, &cap, f)) >= 0) {
        lineno++;
        while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == '\r'))
            buf[--got] = '\0';
        if (got == 0 || strspn(buf, " \t") == (size_t)got)
            continue;
        if (!t->head) {
            /* the header (after a UTF-8 byte-order mark, if any): count its cells first */
            if ((unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
                (unsigned char)buf[2] == 0xBF)
                memmove(buf, buf + 3, (size_t)got - 2);
            int n = 1;
            for (const char *s = buf; *s; s++)
                n += *s == '\t';
            t->head = calloc((size_t)n, sizeof *t->head);
            cells = calloc((size_t)n, sizeof *cells);
            if (!t->head || !cells || split(buf, t->head, n) != n) {
                status = fail(err, errlen, path, "out of memory", 0);
                break;
            }
            t->ncol = n;
            continue;
        }
        const int n = split(buf, cells, t->ncol);
        if (n < 0) {
            for (int j = 0; j < t->ncol; j++) {
                free(cells[j]);
                cells[j] = NULL;
            }
            status = fail(err, errlen, path,
                          n == -1 ? "more cells than the header has columns" : "out of memory",
                          lineno);
            break;
        }
        if (t->nrow == cap_rows) {
            cap_rows = cap_rows ? 2 * cap_rows : 64;
            char **c = realloc(t->cell, sizeof *c * (size_t)cap_rows * (size_t)t->ncol);
            int *l = realloc(t->line, sizeof *l * (size_t)cap_rows);
            if (c)
                t->cell = c;
            if (l)
                t->line = l;
            if (!c || !l) {
                for (int j = 0; j < n; j++)
                    free(cells[j]);
                status = fail(err, errlen, path, "out of memory", 0);
                break;
            }
        }
        for (int j = 0; j < t->ncol; j++) {
            char *v = j < n ? cells[j] : dup_range("", 0);
            t->cell[(size_t)t->nrow * (size_t)t->ncol + (size_t)j] = v;
            cells[j] = NULL;
        }
        t->line[t->nrow++] = lineno;
    }
    free(buf);
    free(cells);
    fclose(f);
    if (status == 0 && !t->head)
        status = fail(err, errlen, path, "the table is empty (no header line)", 0);
    /* trim blanks around column names */
    for (int j = 0; status == 0 && j < t->ncol; j++) {
        char *h = t->head[j];
        size_t len = strlen(h);
        while (len && (h[len - 1] == ' '))
            h[--len] = '\0';
        const size_t lead = strspn(h, " ");
        memmove(h, h + lead, len - lead + 1);
    }
    if (status != 0)
        petab_tsv_free(t);
    return status;
}

void petab_tsv_free(petab_tsv *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->cell && i < (size_t)t->nrow * (size_t)t->ncol; i++)
        free(t->cell[i]);
    for (int j = 0; t->head && j < t->ncol; j++)
        free(t->head[j]);
    free(t->cell);
    free(t->head);
    free(t->line);
    free(t->path);
    memset(t, 0, sizeof *t);
}

int petab_tsv_col(const petab_tsv *t, const char *name)
{
    for (int j = 0; j < t->ncol; j++)
        if (strcmp(t->head[j], name) == 0)
            return j;
    return -1;
}

const char *petab_tsv_get(const petab_tsv *t, int row, int col)
{
    if (col < 0 || row < 0 || row >= t->nrow)
        return "";
    return t->cell[(size_t)row * (size_t)t->ncol + (size_t)col];
}

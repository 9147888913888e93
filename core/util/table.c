/* table — reading tab-separated data tables, with one-line errors naming file and line. */
#include "table.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ODEGRAD_DATA_DIR
#define ODEGRAD_DATA_DIR "models/data"
#endif

/* What table_read keeps while it reads: the open file, the current line, and the table
 * under construction (whose arrays grow by doubling). */
typedef struct {
    const char *path;
    FILE *file;
    char *line;
    size_t line_cap;
    long lineno;
    int row_cap;
    int group_cap;
    char *err;
    size_t errlen;
} table_reader;

static int table_fail(table_reader *r, long lineno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int table_fail(table_reader *r, long lineno, const char *fmt, ...)
{
    char what[192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (lineno > 0)
        snprintf(r->err, r->errlen, "%s:%ld: %s", r->path, lineno, what);
    else
        snprintf(r->err, r->errlen, "%s: %s", r->path, what);
    return -1;
}

/* Read the next non-blank line into r->line (newline and carriage return removed).
 * Returns 1 for a line, 0 at the end of the file. */
static int table_next_line(table_reader *r)
{
    for (;;) {
        ssize_t n = getline(&r->line, &r->line_cap, r->file);
        if (n < 0)
            return 0;
        r->lineno++;
        while (n > 0 && (r->line[n - 1] == '\n' || r->line[n - 1] == '\r'))
            r->line[--n] = '\0';
        for (ssize_t i = 0; i < n; i++)
            if (!isspace((unsigned char)r->line[i]))
                return 1;
    }
}

/* Number of tab-separated cells in a line. */
static int table_count_cells(const char *line)
{
    int count = 1;
    for (const char *c = line; *c; c++)
        count += *c == '\t';
    return count;
}

/* Split a line of exactly `count` cells in place at its tabs. */
static void table_split(char *line, char **cells, int count)
{
    char *cell = line;
    for (int j = 0; j < count; j++) {
        cells[j] = cell;
        char *tab = strchr(cell, '\t');
        if (tab) {
            *tab = '\0';
            cell = tab + 1;
        }
    }
}

/* A decimal number: [+-] digits [. digits] [(e|E) [+-] digits], at least one mantissa digit;
 * or NaN in any letter case.  Anything else (inf, hex, trailing text, empty) is rejected. */
static int table_parse_number(const char *s, double *value)
{
    if (strlen(s) == 3 && tolower((unsigned char)s[0]) == 'n' &&
        tolower((unsigned char)s[1]) == 'a' && tolower((unsigned char)s[2]) == 'n') {
        *value = NAN;
        return 0;
    }
    const char *c = s;
    int digits = 0;
    if (*c == '+' || *c == '-')
        c++;
    while (isdigit((unsigned char)*c)) {
        c++;
        digits++;
    }
    if (*c == '.') {
        c++;
        while (isdigit((unsigned char)*c)) {
            c++;
            digits++;
        }
    }
    if (digits == 0)
        return -1;
    if (*c == 'e' || *c == 'E') {
        c++;
        if (*c == '+' || *c == '-')
            c++;
        if (!isdigit((unsigned char)*c))
            return -1;
        while (isdigit((unsigned char)*c))
            c++;
    }
    if (*c != '\0')
        return -1;
    *value = strtod(s, NULL);
    if (!isfinite(*value))
        return -2;
    return 0;
}

static char *table_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

void table_free(table *t)
{
    if (t->names)
        for (int j = 0; j < t->ncols; j++)
            free(t->names[j]);
    if (t->labels)
        for (int i = 0; i < t->nrows * t->nlabels; i++)
            free(t->labels[i]);
    free(t->names);
    free(t->labels);
    free(t->values);
    free(t->group_start);
    memset(t, 0, sizeof *t);
}

/* Find a header name among all columns; -1 if absent. */
static int table_find(const table *t, const char *name)
{
    for (int j = 0; j < t->ncols; j++)
        if (strcmp(t->names[j], name) == 0)
            return j;
    return -1;
}

int table_numeric_column(const table *t, const char *name)
{
    int j = table_find(t, name);
    return j < t->nlabels ? -1 : j - t->nlabels;
}

int table_label_column(const table *t, const char *name)
{
    int j = table_find(t, name);
    return j >= 0 && j < t->nlabels ? j : -1;
}

double table_value(const table *t, int row, int numeric_column)
{
    return t->values[(size_t)row * (size_t)(t->ncols - t->nlabels) + (size_t)numeric_column];
}

const char *table_label(const table *t, int row, int label_column)
{
    return t->labels[(size_t)row * (size_t)t->nlabels + (size_t)label_column];
}

static int table_read_header(table_reader *r, const table_spec *spec, table *t)
{
    if (!table_next_line(r))
        return table_fail(r, 0, "the file is empty; expected a header line of column names");
    const int ncols = table_count_cells(r->line);
    char **cells = malloc(sizeof(char *) * (size_t)ncols);
    t->names = calloc((size_t)ncols, sizeof(char *));
    if (!cells || !t->names) {
        free(cells);
        return table_fail(r, r->lineno, "out of memory");
    }
    table_split(r->line, cells, ncols);
    t->ncols = ncols;
    int status = 0;
    for (int j = 0; j < ncols && status == 0; j++) {
        if (cells[j][0] == '\0')
            status = table_fail(r, r->lineno, "column %d has an empty name", j + 1);
        else if (!(t->names[j] = table_strdup(cells[j])))
            status = table_fail(r, r->lineno, "out of memory");
        else if (table_find(t, cells[j]) != j)
            status = table_fail(r, r->lineno, "column name '%s' appears twice", cells[j]);
    }
    free(cells);
    if (status != 0)
        return status;
    if (spec->nlabels < 0 || spec->nlabels >= ncols)
        return table_fail(r, r->lineno, "expected %d text column(s) and at least one numeric "
                          "column, found %d column(s)", spec->nlabels, ncols);
    t->nlabels = spec->nlabels;
    if (spec->group_column && table_label_column(t, spec->group_column) < 0)
        return table_fail(r, r->lineno, "no text column '%s' (it names the condition)",
                          spec->group_column);
    if (spec->time_column && table_numeric_column(t, spec->time_column) < 0)
        return table_fail(r, r->lineno, "no numeric column '%s' (it holds the times)",
                          spec->time_column);
    return 0;
}

/* Make room for one more row (and one more group start). */
static int table_grow(table_reader *r, table *t)
{
    const int nnum = t->ncols - t->nlabels;
    if (t->nrows == r->row_cap) {
        int cap = r->row_cap ? 2 * r->row_cap : 16;
        double *values = realloc(t->values, sizeof(double) * (size_t)cap * (size_t)nnum);
        if (!values)
            return -1;
        t->values = values;
        if (t->nlabels > 0) {
            char **labels =
                realloc(t->labels, sizeof(char *) * (size_t)cap * (size_t)t->nlabels);
            if (!labels)
                return -1;
            t->labels = labels;
        }
        r->row_cap = cap;
    }
    if (t->ngroups + 2 > r->group_cap) {
        int cap = r->group_cap ? 2 * r->group_cap : 8;
        int *start = realloc(t->group_start, sizeof(int) * (size_t)cap);
        if (!start)
            return -1;
        t->group_start = start;
        r->group_cap = cap;
    }
    return 0;
}

/* Check where `row` (just parsed, on line r->lineno) belongs: a new group starts when
 * its label differs from the previous row's; a label seen in an earlier group is an error;
 * within a group, times increase strictly. */
static int table_place_row(table_reader *r, const table_spec *spec, table *t, int row,
                           long *prev_line)
{
    const int gcol = spec->group_column ? table_label_column(t, spec->group_column) : -1;
    const char *label = gcol >= 0 ? table_label(t, row, gcol) : "";
    int new_group = row == 0;
    if (!new_group && gcol >= 0 && strcmp(label, table_label(t, row - 1, gcol)) != 0) {
        for (int k = 0; k < t->ngroups; k++)
            if (strcmp(label, table_label(t, t->group_start[k], gcol)) == 0)
                return table_fail(r, r->lineno, "condition '%s' continues after other "
                                  "conditions; keep each condition's rows together", label);
        new_group = 1;
    }
    if (new_group)
        t->group_start[t->ngroups++] = row;
    if (spec->time_column) {
        const int tcol = table_numeric_column(t, spec->time_column);
        const double time = table_value(t, row, tcol);
        if (isnan(time))
            return table_fail(r, r->lineno, "the time ('%s') is missing", spec->time_column);
        if (!new_group) {
            const double before = table_value(t, row - 1, tcol);
            const char *where = gcol >= 0 ? " in condition '" : "";
            const char *close = gcol >= 0 ? "'" : "";
            if (time == before)
                return table_fail(r, r->lineno, "duplicate time %g (also on line %ld)%s%s%s",
                                  time, *prev_line, where, label, close);
            if (time < before)
                return table_fail(r, r->lineno, "time %g comes after %g (line %ld)%s%s%s; "
                                  "sort the rows by time", time, before, *prev_line, where,
                                  label, close);
        }
    }
    *prev_line = r->lineno;
    return 0;
}

static int table_read_rows(table_reader *r, const table_spec *spec, table *t)
{
    const int ncols = t->ncols, nnum = ncols - t->nlabels;
    char **cells = malloc(sizeof(char *) * (size_t)ncols);
    if (!cells)
        return table_fail(r, 0, "out of memory");
    long prev_line = 0;
    int status = 0;
    while (status == 0 && table_next_line(r)) {
        const int found = table_count_cells(r->line);
        if (found != ncols) {
            status = table_fail(r, r->lineno, "expected %d columns, found %d", ncols, found);
            break;
        }
        table_split(r->line, cells, ncols);
        if (table_grow(r, t) != 0) {
            status = table_fail(r, r->lineno, "out of memory");
            break;
        }
        const int row = t->nrows++;
        char **labels = t->labels ? &t->labels[(size_t)row * (size_t)t->nlabels] : NULL;
        for (int j = 0; j < t->nlabels; j++)
            labels[j] = NULL;   /* so table_free can release a partly filled row */
        for (int j = 0; j < t->nlabels && status == 0; j++)
            if (!(labels[j] = table_strdup(cells[j])))
                status = table_fail(r, r->lineno, "out of memory");
        for (int j = 0; j < nnum && status == 0; j++) {
            const char *cell = cells[t->nlabels + j];
            const int parsed =
                table_parse_number(cell, &t->values[(size_t)row * (size_t)nnum + (size_t)j]);
            if (parsed == -2)
                status = table_fail(r, r->lineno, "column '%s': '%s' is out of range",
                                    t->names[t->nlabels + j], cell);
            else if (parsed != 0)
                status = table_fail(r, r->lineno, "column '%s': '%s' is not a number (write "
                                    "NaN for a missing value)", t->names[t->nlabels + j],
                                    cell);
        }
        if (status == 0)
            status = table_place_row(r, spec, t, row, &prev_line);
    }
    free(cells);
    if (status == 0 && t->nrows == 0)
        status = table_fail(r, 0, "no data rows after the header");
    if (status == 0)
        t->group_start[t->ngroups] = t->nrows;
    return status;
}

int table_read(const char *path, const table_spec *spec, table *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    table_reader r = {.path = path, .err = err, .errlen = errlen};
    r.file = fopen(path, "r");
    if (!r.file) {
        snprintf(err, errlen, "cannot open data file %s: %s (set ODEGRAD_DATA to the folder "
                 "holding the data tables)", path, strerror(errno));
        return -1;
    }
    int status = table_read_header(&r, spec, t);
    if (status == 0)
        status = table_read_rows(&r, spec, t);
    if (status == 0 && ferror(r.file))
        status = table_fail(&r, r.lineno, "read error: %s", strerror(errno));
    free(r.line);
    fclose(r.file);
    if (status != 0)
        table_free(t);
    return status;
}

int table_data_path(const char *file, char *path, size_t pathlen, char *err, size_t errlen)
{
    const char *dir = getenv("ODEGRAD_DATA");
    if (!dir || !*dir)
        dir = ODEGRAD_DATA_DIR;
    int n = snprintf(path, pathlen, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= pathlen) {
        snprintf(err, errlen, "data path %s/%s is too long", dir, file);
        return -1;
    }
    return 0;
}

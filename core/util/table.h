/* table — reading the tab-separated data tables in models/data/.
 *
 * A table has one header line of column names and then one line per row.  The first
 * `nlabels` columns hold text (e.g. the name of the experimental condition); every other cell
 * is a decimal number or NaN (a missing value, any letter case).  Rows are grouped into
 * conditions by the label in `group_column` (consecutive rows with the same label; the whole
 * table is one group when no group column is named), and within a group the values in
 * `time_column` must be finite and strictly increasing.
 *
 * Every error is one line naming the file and, where it applies, the line number, e.g.
 *   "models/data/x.tsv:7: expected 6 columns, found 5"
 * Blank lines are skipped, a trailing carriage return is ignored. */
#ifndef ODEGRAD_TABLE_H
#define ODEGRAD_TABLE_H

#include <stddef.h>

typedef struct {
    int nlabels;                /* leading text columns (0: all columns numeric) */
    const char *group_column;   /* a text column grouping rows into conditions, or NULL */
    const char *time_column;    /* a numeric column, increasing within each group */
} table_spec;

typedef struct {
    int ncols;         /* all columns, text and numeric */
    int nlabels;       /* the first nlabels columns are text */
    int nrows;
    char **names;      /* ncols header names */
    char **labels;     /* nrows × nlabels strings, row-major */
    double *values;    /* nrows × (ncols − nlabels) numbers, row-major, NaN = missing */
    int ngroups;       /* conditions, in file order */
    int *group_start;  /* ngroups + 1 row offsets: group k is rows [start[k], start[k+1]) */
} table;

/* Read and check a table.  Returns 0, or -1 with a one-line message in err (t is then empty
 * and needs no table_free). */
int table_read(const char *path, const table_spec *spec, table *t, char *err, size_t errlen);
void table_free(table *t);

/* Index of a column among the numeric columns (for table_value), or -1 if absent / text. */
int table_numeric_column(const table *t, const char *name);
/* Index of a column among the text columns (for table_label), or -1. */
int table_label_column(const table *t, const char *name);
double table_value(const table *t, int row, int numeric_column);
const char *table_label(const table *t, int row, int label_column);

/* The path of a file shipped in models/data/: the folder in the environment variable
 * ODEGRAD_DATA when set, else the compiled-in ODEGRAD_DATA_DIR.  Returns 0, or -1 with a
 * message when the path does not fit. */
int table_data_path(const char *file, char *path, size_t pathlen, char *err, size_t errlen);

#endif

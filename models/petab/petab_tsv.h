/* petab_tsv — the tab-separated tables of a PEtab problem, read whole into strings.
 *
 * The first line names the columns.  Every later non-blank line is a row; a row with fewer
 * cells than the header is padded with empty cells, one with more is an error.  A trailing
 * carriage return is dropped, so files written on Windows read the same. */
#ifndef ODEGRAD_PETAB_TSV_H
#define ODEGRAD_PETAB_TSV_H

#include <stddef.h>

typedef struct {
    char *path;       /* as given, for messages */
    int ncol, nrow;
    char **head;      /* ncol column names */
    char **cell;      /* nrow × ncol, row-major; never NULL ("" when empty) */
    int *line;        /* nrow: the file line of each row (1-based), for messages */
} petab_tsv;

/* Read a table.  Returns 0, or -1 with "PATH: what is wrong" in err. */
int petab_tsv_read(const char *path, petab_tsv *t, char *err, size_t errlen);
void petab_tsv_free(petab_tsv *t);
/* index of the named column, or -1 */
int petab_tsv_col(const petab_tsv *t, const char *name);
/* cell (row, col); "" when col < 0 */
const char *petab_tsv_get(const petab_tsv *t, int row, int col);

#endif

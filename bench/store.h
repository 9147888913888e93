/* store — a study's measurements on disk: results/<study>.csv, one measurement per row
 *
 *   study,model,backend,options,repeat,metric,value,unit
 *
 * Each case's rows are appended in one write, and the last row of every case is its
 * `status` row (value 0 ok, 1 failed, 2 timed out, 3 crashed; the unit column says "ok" or
 * the reason).  A case without its status row was interrupted: opening the store drops that
 * tail, so a sweep killed at any moment resumes with no duplicated and no lost rows.  The
 * file is locked while a sweep writes it. */
#ifndef ODEGRAD_STORE_H
#define ODEGRAD_STORE_H

#include <stddef.h>
#include "metrics.h"

#define STORE_HEADER "study,model,backend,options,repeat,metric,value,unit"

/* Where the commands that write a study (bench, compare, fit, train) put it when --results
 * names no folder: a scratch folder of the current directory, so that an exploratory run
 * never changes the published results/.  Only ./run study and an explicit --results results
 * write there. */
#define STORE_SCRATCH_DIR "scratch"

enum { CASE_OK = 0, CASE_FAILED = 1, CASE_TIMEOUT = 2, CASE_CRASHED = 3 };

typedef struct {
    char *study, *model, *backend, *options;
    int repeat;
    char *metric;
    double value;
    char *unit;
} store_row;

typedef struct {
    int n, cap;
    store_row *rows;
} store_rows;

typedef struct study_store study_store;

/* Open (create) dir/<study>.csv for a sweep: lock it, drop an interrupted tail, index the
 * finished cases.  `fresh` empties it first.  NULL with a message on failure. */
study_store *store_open(const char *dir, const char *study, int fresh, char *err, size_t errlen);
void store_close(study_store *st);
/* bytes of an interrupted case dropped when the store was opened */
size_t store_dropped(const study_store *st);
int store_ncases_done(const study_store *st);
int store_is_done(const study_store *st, const char *model, const char *backend,
                  const char *options, int repeat);
/* Append one case: its measurements, then its status row.  0, or -1 with a message. */
int store_append_case(study_store *st, const char *model, const char *backend,
                      const char *options, int repeat, const metric_list *rows, int status,
                      const char *status_text, char *err, size_t errlen);

/* Read every complete row of a study file (for summaries and comparisons). */
int store_read(const char *path, store_rows *out, char *err, size_t errlen);
void store_rows_free(store_rows *rows);

/* Split one CSV line into at most max fields (unquoting in place); the field count, or -1
 * if the line is malformed (an open quote). */
int store_split_csv(char *line, char **fields, int max);
/* Create a directory and its parents (like mkdir -p).  0, or -1 with a message. */
int store_make_dir(const char *dir, char *err, size_t errlen);

#endif

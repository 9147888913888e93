/* format — printing a run (loss, result, reference, measurements) as a table for people, or
 * as CSV or JSON for programs; plus the quoting helpers every writer of CSV/JSON uses. */
#ifndef ODEGRAD_FORMAT_H
#define ODEGRAD_FORMAT_H

#include <stdio.h>
#include "metrics.h"

typedef enum { FORMAT_TABLE = 0, FORMAT_CSV = 1, FORMAT_JSON = 2 } out_format;
#define FORMAT_CHOICES "table|csv|json"

/* 0, or -1 if name is not one of FORMAT_CHOICES */
int format_parse(const char *name, out_format *fmt);

/* The objective prior at θ (model_prior.h), reported apart from the data term (the loss). */
typedef struct {
    double value;
    const double *gradient;      /* np */
    const double *hessian;       /* np×np, or NULL when no Hessian was asked for */
} run_prior;

typedef struct {
    const model *m;
    const char *backend;
    const char *options;         /* what was set, "" for defaults */
    const double *theta;
    const method_result *r;
    const reference *ref;        /* may be NULL */
    const metric_list *metrics;  /* from metrics_of_result (plus any the caller added) */
    const run_prior *prior;      /* NULL: the model has no objective prior */
} run_report;

void format_report(FILE *f, out_format fmt, const run_report *rep);

/* A number that reads back exactly (%.17g); "nan"/"inf" in CSV, null in JSON. */
void format_number(FILE *f, double v);
void format_json_number(FILE *f, double v);
/* A CSV field, quoted when it holds a comma, quote or line break. */
void format_csv_field(FILE *f, const char *s);
void format_json_string(FILE *f, const char *s);
/* One tidy CSV row: the key fields, then metric, value, unit. */
void format_csv_measurement(FILE *f, const char *const *keys, int nkeys, const char *metric,
                            double value, const char *unit);
/* Bytes for people: "812 B", "3.2 KiB", "1.5 MiB". */
void format_bytes(char *out, size_t outlen, double bytes);
/* Seconds for people: "812 us", "3.2 ms", "1.52 s". */
void format_seconds(char *out, size_t outlen, double seconds);

#endif

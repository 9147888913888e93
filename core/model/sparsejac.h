/* sparsejac — the model's state Jacobian f_x as a sparse matrix, evaluated exactly with few
 * Jacobian–vector products.
 *
 * The pattern comes from the right-hand side's expression graph (expr_jac_x_pattern): the
 * entries that can be non-zero at any (t, x, θ).  Columns that share no row get the same
 * colour (Curtis, Powell & Reid 1974; greedy in column order), so one product f_x·d_c with
 * d_c = Σ_{colour(j) = c} e_j yields every entry of those columns at once: the whole
 * Jacobian costs as many products as there are colours — 10 to 15 for a 5-point stencil with
 * two coupled fields, against n for the dense Jacobian. */
#ifndef ODEGRAD_SPARSEJAC_H
#define ODEGRAD_SPARSEJAC_H

#include "model.h"

/* Compressed sparse rows of an n × n pattern: row i has the sorted columns
 * cols[row_start[i] .. row_start[i+1]-1]. */
typedef struct {
    int n;
    long nnz;
    int *row_start;   /* n + 1 */
    int *cols;        /* nnz */
} sj_pattern;

/* The pattern of f_x of model m, or the full n × n pattern when the graph says the
 * Jacobian has more than max_density·n² entries (counting work included).  Returns 0, or -1
 * when out of memory. */
int sj_pattern_of_model(const model *m, double max_density, sj_pattern *p);
void sj_pattern_free(sj_pattern *p);
/* nnz / n² */
double sj_density(const sj_pattern *p);

/* A greedy column colouring: colour[j] in [0, *ncolours), no two columns with an entry in
 * a common row share a colour.  Returns 0, or -1 when out of memory. */
int sj_colour(const sj_pattern *p, int *colour, int *ncolours);

/* The values of f_x on a pattern, by colours. */
typedef struct {
    sj_pattern pattern;
    int ncolours;
    int *colour;          /* n: the colour of each column */
    int *by_colour;       /* nnz entry indices grouped by the colour of their column */
    int *colour_start;    /* ncolours + 1: where each colour's group begins */
    int *entry_row;       /* nnz: the row of each entry */
    double *values;       /* nnz, in the pattern's order (row by row) */
    double *seed, *product;   /* n each */
} sj_jacobian;

/* Takes over the pattern (p is zeroed).  Returns 0, or -1 when out of memory (the pattern is
 * freed). */
int sj_jacobian_init(sj_jacobian *J, sj_pattern *p);
void sj_jacobian_free(sj_jacobian *J);
/* values = f_x(t, x) of the context's selected condition: ncolours model_rhs_jvp calls
 * (counted as Jacobian–vector products).  Returns 0, or 1 if an entry is not finite. */
int sj_jacobian_eval(sj_jacobian *J, model_ctx *ctx, double t, const double *x);
size_t sj_jacobian_bytes(const sj_jacobian *J);

#endif

/* solve_unit — the unit in which the harness states what a gradient costs: the time of one
 * plain CVODES forward solve of the loss at the case's θ and tolerances. */
#include <math.h>
#include <string.h>
#include "solve_unit.h"
#include "cvcommon.h"
#include "stats.h"

/* repeats of the forward solve that sets the unit of cost (the fastest counts) */
#define SOLVE_UNIT_REPEATS 3

double solve_unit_seconds(const cli_request *rq)
{
    method_options o = rq->opts;
    cv_family family;
    if (o.solver && cv_family_parse(o.solver, &family) != 0)
        o.solver = NULL;   /* one of our integrators: measure against CVODES's BDF */
    method_result scratch;
    memset(&scratch, 0, sizeof scratch);
    cv_settings s;
    if (cvm_settings("solve", rq->model, &o, 0, &s, &scratch) != METHOD_OK)
        return NAN;
    char err[256];
    model_ctx *ctx = model_ctx_new(rq->model, rq->theta, err, sizeof err);
    if (!ctx)
        return NAN;
    double best = INFINITY, loss;
    for (int k = 0; k < SOLVE_UNIT_REPEATS && !isnan(best); k++) {
        const double start = stats_now();
        if (cv_loss(ctx, &s, NULL, &loss, NULL, NULL, err, sizeof err) != 0)
            best = NAN;
        else if (stats_now() - start < best)
            best = stats_now() - start;
    }
    model_ctx_free(ctx);
    return best;
}

int solve_unit_add(metric_list *l, const cli_request *rq, double wall_seconds)
{
    const double solve = solve_unit_seconds(rq);
    if (!isfinite(solve) || solve <= 0.0)
        return 0;
    return metrics_add(l, "forward_solve_seconds", solve, "s") != 0 ||
                   metrics_add(l, "time_per_forward_solve", wall_seconds / solve, "1") != 0
               ? -1
               : 0;
}


/* adjcommon — options, forward pass and byte accounting of the checkpointed CVODES adjoints.
 * See adjcommon.h. */
#include "adjcommon.h"
#include "cvcommon.h"

#include <string.h>

method_status adj_options(const method_type *type, const method_options *o,
                          const cv_settings *fwd, const cv_settings *bwd,
                          cv_forward_options *fo, cv_backward_options *bo, mem_account *acc,
                          method_result *r)
{
    fo->checkpoint_steps = method_opt_int(type, o, "nd");
    fo->interp = strcmp(method_opt_choice(type, o, "interp"), "polynomial") == 0
                     ? CV_INTERP_POLYNOMIAL
                     : CV_INTERP_HERMITE;
    fo->counts = &r->fwd;
    fo->account = o->mem_cap ? acc : NULL;
    bo->family = bwd->family;
    bo->rtol = bwd->rtol;
    bo->atol = bwd->atol;
    bo->max_steps = cvm_max_steps_b(type, o, bwd->max_steps);
    bo->quad_errcon = (int)method_opt_int(type, o, "quad_errcon");
    bo->counts = &r->bwd;
    const long max_order = fwd->family == CV_FAMILY_ADAMS ? 12 : 5;
    if (fo->interp == CV_INTERP_POLYNOMIAL && fo->checkpoint_steps < max_order)
        return method_fail(r, METHOD_EINPUT,
                           "%s: interp=polynomial needs nd >= %ld with --solver %s (CVODES "
                           "interpolates at the method's order); raise nd or use interp=hermite",
                           type->name, max_order, cv_family_name(fwd->family));
    return METHOD_OK;
}

method_status adj_forward(const char *name, cv_solver *cv, cv_obs_fn at_obs, void *user,
                          const mem_account *acc, cv_checkpoint_stats *cs, method_result *r)
{
    char err[256];
    if (cv_forward_run(cv, at_obs, user, err, sizeof err) != 0)
        return method_fail(r, acc->refused ? METHOD_EMEMORY : METHOD_ESOLVER, "%s", err);
    r->steps_fwd += cv_steps(cv);   /* before the backward pass resets CVODES's counters */
    if (cv_checkpoint_stats_get(cv, cs) != 0)
        return method_fail(r, METHOD_EMEMORY, "%s: out of memory reading checkpoints", name);
    r->checkpoints += cs->checkpoints;
    return METHOD_OK;
}

void adj_peak_note(adj_peak *p, cv_solver *cv, const cv_checkpoint_stats *cs)
{
    const size_t held =
        cv_workspace_bytes(cv) + cs->checkpoint_bytes + cs->interp_bytes + cs->index_bytes;
    if (held > p->bytes) {
        p->bytes = held;
        p->largest = *cs;
    }
}

void adj_peak_report(const adj_peak *p, method_result *r)
{
    method_extra_add(r, "checkpoint_bytes", (double)p->largest.checkpoint_bytes, "bytes");
    method_extra_add(r, "interp_bytes",
                     (double)(p->largest.interp_bytes + p->largest.index_bytes), "bytes");
}
